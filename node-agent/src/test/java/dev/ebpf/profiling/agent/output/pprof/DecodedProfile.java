package dev.ebpf.profiling.agent.output.pprof;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * A pprof profile read back from its bytes with protobuf's CodedInputStream, independently of the
 * writer's tables: ids are resolved to names here, so a wrong id shows as a wrong name.
 */
public final class DecodedProfile {

    record ValueType(String type, String unit) {}

    /** A sample with its frames as function names (leaf first), values and labels resolved. */
    record Sample(List<String> functions, List<String> modules, List<Long> values, Map<String, String> labels) {}

    final List<String> strings = new ArrayList<>();
    final List<long[]> rawSampleTypes = new ArrayList<>();
    final List<RawSample> rawSamples = new ArrayList<>();
    final Map<Long, long[]> locations = new HashMap<>(); // id -> {mappingId, functionId}
    final Map<Long, long[]> functions = new HashMap<>(); // id -> {name, systemName, filename}
    final Map<Long, Long> mappings = new HashMap<>(); // id -> filename
    long[] periodType;
    long period;
    long timeNanos;
    long durationNanos;
    long defaultSampleType;

    record RawSample(List<Long> locationIds, List<Long> values, List<long[]> labels) {}

    /** How many samples the profile holds (for tests outside this package). */
    public int sampleCount() {
        return rawSamples.size();
    }

    /** The profile's start, nanoseconds since the epoch. */
    public long startNanos() {
        return timeNanos;
    }

    public static DecodedProfile readGzipped(InputStream in) throws IOException {
        return parse(new GZIPInputStream(in).readAllBytes());
    }

    static DecodedProfile parse(byte[] bytes) throws IOException {
        DecodedProfile profile = new DecodedProfile();
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case ProfileProto.Profile.SAMPLE_TYPE -> profile.rawSampleTypes.add(valueType(in.readByteArray()));
                case ProfileProto.Profile.SAMPLE -> profile.rawSamples.add(sample(in.readByteArray()));
                case ProfileProto.Profile.MAPPING -> {
                    Map<Integer, List<Long>> fields = fields(in.readByteArray());
                    profile.mappings.put(
                            one(fields, ProfileProto.Mapping.ID), one(fields, ProfileProto.Mapping.FILENAME));
                }
                case ProfileProto.Profile.LOCATION -> {
                    CodedInputStream location = CodedInputStream.newInstance(in.readByteArray());
                    long id = 0;
                    long mapping = 0;
                    long function = 0;
                    for (int t; (t = location.readTag()) != 0; ) {
                        switch (WireFormat.getTagFieldNumber(t)) {
                            case ProfileProto.Location.ID -> id = location.readUInt64();
                            case ProfileProto.Location.MAPPING_ID -> mapping = location.readUInt64();
                            case ProfileProto.Location.LINE ->
                                function = one(fields(location.readByteArray()), ProfileProto.Line.FUNCTION_ID);
                            default -> location.skipField(t);
                        }
                    }
                    profile.locations.put(id, new long[] {mapping, function});
                }
                case ProfileProto.Profile.FUNCTION -> {
                    Map<Integer, List<Long>> fields = fields(in.readByteArray());
                    profile.functions.put(one(fields, ProfileProto.Function.ID), new long[] {
                        one(fields, ProfileProto.Function.NAME),
                        one(fields, ProfileProto.Function.SYSTEM_NAME),
                        one(fields, ProfileProto.Function.FILENAME)
                    });
                }
                case ProfileProto.Profile.STRING_TABLE -> profile.strings.add(in.readString());
                case ProfileProto.Profile.TIME_NANOS -> profile.timeNanos = in.readInt64();
                case ProfileProto.Profile.DURATION_NANOS -> profile.durationNanos = in.readInt64();
                case ProfileProto.Profile.PERIOD_TYPE -> profile.periodType = valueType(in.readByteArray());
                case ProfileProto.Profile.PERIOD -> profile.period = in.readInt64();
                case ProfileProto.Profile.DEFAULT_SAMPLE_TYPE -> profile.defaultSampleType = in.readInt64();
                default -> in.skipField(tag);
            }
        }
        return profile;
    }

    /** Every varint field of a message, packed or not, by field number. */
    private static Map<Integer, List<Long>> fields(byte[] message) throws IOException {
        Map<Integer, List<Long>> fields = new HashMap<>();
        CodedInputStream in = CodedInputStream.newInstance(message);
        for (int tag; (tag = in.readTag()) != 0; ) {
            fields.computeIfAbsent(WireFormat.getTagFieldNumber(tag), f -> new ArrayList<>())
                    .addAll(varints(in, tag));
        }
        return fields;
    }

    private static long one(Map<Integer, List<Long>> fields, int field) {
        List<Long> values = fields.getOrDefault(field, List.of(0L));
        if (values.size() != 1) {
            throw new IllegalStateException("field " + field + " has " + values.size() + " values");
        }
        return values.getFirst();
    }

    private static long[] valueType(byte[] message) throws IOException {
        Map<Integer, List<Long>> fields = fields(message);
        return new long[] {one(fields, ProfileProto.ValueType.TYPE), one(fields, ProfileProto.ValueType.UNIT)};
    }

    private static RawSample sample(byte[] message) throws IOException {
        List<Long> locationIds = new ArrayList<>();
        List<Long> values = new ArrayList<>();
        List<long[]> labels = new ArrayList<>();
        CodedInputStream in = CodedInputStream.newInstance(message);
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case ProfileProto.Sample.LOCATION_ID -> locationIds.addAll(varints(in, tag));
                case ProfileProto.Sample.VALUE -> values.addAll(varints(in, tag));
                case ProfileProto.Sample.LABEL -> {
                    Map<Integer, List<Long>> fields = fields(in.readByteArray());
                    labels.add(new long[] {one(fields, ProfileProto.Label.KEY), one(fields, ProfileProto.Label.STR)});
                }
                default -> in.skipField(tag);
            }
        }
        return new RawSample(locationIds, values, labels);
    }

    /** The varint values of one field occurrence, packed (proto3's default) or not. */
    private static List<Long> varints(CodedInputStream in, int tag) throws IOException {
        List<Long> values = new ArrayList<>();
        if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            CodedInputStream packed = CodedInputStream.newInstance(in.readByteArray());
            while (!packed.isAtEnd()) {
                values.add(packed.readInt64());
            }
        } else {
            values.add(in.readInt64());
        }
        return values;
    }

    String string(long index) {
        return strings.get(Math.toIntExact(index));
    }

    List<ValueType> sampleTypes() {
        return rawSampleTypes.stream()
                .map(t -> new ValueType(string(t[0]), string(t[1])))
                .toList();
    }

    ValueType periodType() {
        return new ValueType(string(periodType[0]), string(periodType[1]));
    }

    List<Sample> samples() {
        List<Sample> samples = new ArrayList<>();
        for (RawSample raw : rawSamples) {
            List<String> names = new ArrayList<>();
            List<String> modules = new ArrayList<>();
            for (long locationId : raw.locationIds()) {
                long[] location = locations.get(locationId);
                long[] function = functions.get(location[1]);
                names.add(string(function[0]));
                modules.add(location[0] == 0 ? null : string(mappings.get(location[0])));
            }
            Map<String, String> labels = new HashMap<>();
            for (long[] label : raw.labels()) {
                labels.put(string(label[0]), string(label[1]));
            }
            samples.add(new Sample(names, modules, raw.values(), labels));
        }
        return samples;
    }

    /** The system names of every function, by name (test helper: a name's system names, sorted). */
    public Map<String, java.util.SortedSet<String>> systemNamesByName() {
        Map<String, java.util.SortedSet<String>> byName = new java.util.TreeMap<>();
        for (long[] function : functions.values()) {
            byName.computeIfAbsent(strings.get((int) function[0]), n -> new java.util.TreeSet<>())
                    .add(strings.get((int) function[1]));
        }
        return byName;
    }
}
