package dev.ebpf.profiling.agent.output.pprof;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import dev.ebpf.profiling.agent.symbolize.SymbolizedStack;
import dev.ebpf.profiling.api.profile.Frame;
import dev.ebpf.profiling.api.profile.PodRef;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a slice as a gzipped pprof profile (profile.proto), the format {@code go tool pprof} and
 * Grafana Pyroscope read. Sample types are {@code samples/count} and {@code cpu/nanoseconds};
 * each sample carries {@code application}, {@code pod} and {@code container} labels. Functions,
 * locations and mappings are written once each and referred to by id.
 */
public final class PprofWriter {

    static final String APPLICATION_LABEL = "application";
    static final String POD_LABEL = "pod";
    static final String CONTAINER_LABEL = "container";

    private PprofWriter() {}

    public static void write(PprofSlice slice, OutputStream out) throws IOException {
        GZIPOutputStream gzip = new GZIPOutputStream(out);
        gzip.write(encode(slice));
        gzip.finish();
    }

    /** The profile, not compressed. */
    static byte[] encode(PprofSlice slice) throws IOException {
        return new Encoder(slice).encode();
    }

    /** Builds the deduplicated tables of one profile, then writes them. */
    private static final class Encoder {

        private final PprofSlice slice;
        private final Map<String, Long> strings = new LinkedHashMap<>();
        private final Map<String, Long> mappingIds = new LinkedHashMap<>();
        private final Map<Frame, Long> functionIds = new LinkedHashMap<>();
        private final Map<Frame, Long> locationIds = new LinkedHashMap<>();

        Encoder(PprofSlice slice) {
            this.slice = slice;
            intern("");
        }

        byte[] encode() throws IOException {
            // Stacks of one application with the same frames (several processes) are one sample.
            Map<String, Map<List<Frame>, Long>> countsByApplication = new LinkedHashMap<>();
            for (SymbolizedStack stack : slice.stacks()) {
                countsByApplication
                        .computeIfAbsent(stack.application(), a -> new LinkedHashMap<>())
                        .merge(stack.frames(), stack.count(), Long::sum);
            }
            long cpuType = intern("cpu");
            long nanoseconds = intern("nanoseconds");
            List<byte[]> sampleTypes =
                    List.of(valueType(intern("samples"), intern("count")), valueType(cpuType, nanoseconds));
            List<byte[]> samples = new ArrayList<>();
            for (var application : countsByApplication.entrySet()) {
                List<byte[]> labels = labels(application.getKey());
                for (var stack : application.getValue().entrySet()) {
                    samples.add(sample(stack.getKey(), stack.getValue(), labels));
                }
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            writeMessages(out, ProfileProto.Profile.SAMPLE_TYPE, sampleTypes);
            writeMessages(out, ProfileProto.Profile.SAMPLE, samples);
            writeMessages(out, ProfileProto.Profile.MAPPING, mappings());
            writeMessages(out, ProfileProto.Profile.LOCATION, locations());
            writeMessages(out, ProfileProto.Profile.FUNCTION, functions());
            for (String string : strings.keySet()) {
                out.writeString(ProfileProto.Profile.STRING_TABLE, string);
            }
            out.writeInt64(ProfileProto.Profile.TIME_NANOS, nanosSinceEpoch());
            out.writeInt64(
                    ProfileProto.Profile.DURATION_NANOS,
                    Duration.between(slice.start(), slice.end()).toNanos());
            out.writeByteArray(ProfileProto.Profile.PERIOD_TYPE, valueType(cpuType, nanoseconds));
            out.writeInt64(ProfileProto.Profile.PERIOD, slice.periodNanos());
            out.writeInt64(ProfileProto.Profile.DEFAULT_SAMPLE_TYPE, cpuType);
            out.flush();
            return bytes.toByteArray();
        }

        private long nanosSinceEpoch() {
            return Duration.between(Instant.EPOCH, slice.start()).toNanos();
        }

        private long intern(String string) {
            return strings.computeIfAbsent(string, s -> (long) strings.size());
        }

        private List<byte[]> labels(String application) throws IOException {
            List<byte[]> labels = new ArrayList<>();
            labels.add(label(APPLICATION_LABEL, application));
            PodRef pod = slice.pods().get(application);
            if (pod != null) {
                labels.add(label(POD_LABEL, pod.name() != null ? pod.namespace() + "/" + pod.name() : pod.uid()));
                String container = pod.container() != null ? pod.container() : pod.containerId();
                if (container != null) {
                    labels.add(label(CONTAINER_LABEL, container));
                }
            }
            return labels;
        }

        private byte[] label(String key, String value) throws IOException {
            return message(out -> {
                out.writeInt64(ProfileProto.Label.KEY, intern(key));
                out.writeInt64(ProfileProto.Label.STR, intern(value));
            });
        }

        private byte[] sample(List<Frame> leafFirst, long count, List<byte[]> labels) throws IOException {
            List<Long> locations = new ArrayList<>(leafFirst.size());
            for (Frame frame : leafFirst) {
                locations.add(locationId(frame));
            }
            return message(out -> {
                writePacked(out, ProfileProto.Sample.LOCATION_ID, locations);
                writePacked(out, ProfileProto.Sample.VALUE, List.of(count, count * slice.periodNanos()));
                writeMessages(out, ProfileProto.Sample.LABEL, labels);
            });
        }

        /** One location per distinct frame: symbolization keeps names, not addresses. */
        private long locationId(Frame frame) {
            Long known = locationIds.get(frame);
            if (known != null) {
                return known;
            }
            functionIds.computeIfAbsent(frame, f -> (long) functionIds.size() + 1);
            if (frame.module() != null) {
                mappingIds.computeIfAbsent(frame.module(), m -> (long) mappingIds.size() + 1);
            }
            long id = locationIds.size() + 1L;
            locationIds.put(frame, id);
            return id;
        }

        private List<byte[]> locations() throws IOException {
            List<byte[]> messages = new ArrayList<>();
            for (var location : locationIds.entrySet()) {
                Frame frame = location.getKey();
                long functionId = functionIds.get(frame);
                byte[] line = message(out -> out.writeUInt64(ProfileProto.Line.FUNCTION_ID, functionId));
                messages.add(message(out -> {
                    out.writeUInt64(ProfileProto.Location.ID, location.getValue());
                    if (frame.module() != null) {
                        out.writeUInt64(ProfileProto.Location.MAPPING_ID, mappingIds.get(frame.module()));
                    }
                    out.writeByteArray(ProfileProto.Location.LINE, line);
                }));
            }
            return messages;
        }

        private List<byte[]> functions() throws IOException {
            List<byte[]> messages = new ArrayList<>();
            for (var function : functionIds.entrySet()) {
                long name = intern(function.getKey().function());
                long systemName = function.getKey().systemName() == null
                        ? name
                        : intern(function.getKey().systemName());
                long file = intern(
                        function.getKey().module() == null
                                ? ""
                                : function.getKey().module());
                messages.add(message(out -> {
                    out.writeUInt64(ProfileProto.Function.ID, function.getValue());
                    out.writeInt64(ProfileProto.Function.NAME, name);
                    out.writeInt64(ProfileProto.Function.SYSTEM_NAME, systemName);
                    out.writeInt64(ProfileProto.Function.FILENAME, file);
                }));
            }
            return messages;
        }

        private List<byte[]> mappings() throws IOException {
            List<byte[]> messages = new ArrayList<>();
            for (var mapping : mappingIds.entrySet()) {
                long file = intern(mapping.getKey());
                messages.add(message(out -> {
                    out.writeUInt64(ProfileProto.Mapping.ID, mapping.getValue());
                    out.writeInt64(ProfileProto.Mapping.FILENAME, file);
                    out.writeBool(ProfileProto.Mapping.HAS_FUNCTIONS, true);
                }));
            }
            return messages;
        }
    }

    @FunctionalInterface
    private interface Body {
        void writeTo(CodedOutputStream out) throws IOException;
    }

    private static byte[] message(Body body) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        body.writeTo(out);
        out.flush();
        return bytes.toByteArray();
    }

    private static byte[] valueType(long type, long unit) throws IOException {
        return message(out -> {
            out.writeInt64(ProfileProto.ValueType.TYPE, type);
            out.writeInt64(ProfileProto.ValueType.UNIT, unit);
        });
    }

    private static void writeMessages(CodedOutputStream out, int field, List<byte[]> messages) throws IOException {
        for (byte[] message : messages) {
            out.writeByteArray(field, message);
        }
    }

    /** A packed repeated varint field, as proto3 writes repeated numbers. */
    private static void writePacked(CodedOutputStream out, int field, List<Long> values) throws IOException {
        if (values.isEmpty()) {
            return;
        }
        int size = 0;
        for (long value : values) {
            size += CodedOutputStream.computeUInt64SizeNoTag(value);
        }
        out.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        out.writeUInt32NoTag(size);
        for (long value : values) {
            out.writeUInt64NoTag(value);
        }
    }
}
