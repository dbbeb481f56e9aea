package dev.ebpf.profiling.agent.sink;

import dev.ebpf.profiling.agent.output.folded.FoldedStacks;
import dev.ebpf.profiling.agent.output.pprof.PprofSlice;
import dev.ebpf.profiling.agent.output.pprof.PprofWriter;
import dev.ebpf.profiling.agent.profile.SliceResult;
import dev.ebpf.profiling.agent.symbolize.SymbolizedStack;
import dev.ebpf.profiling.api.store.ObjectKeys;
import dev.ebpf.profiling.api.store.StoredObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * A node's bulk data of one job's slice, as objects for the store: every on-CPU stack as a pprof
 * profile ({@code .pprof}, gzipped profile.proto) and as folded lines ({@code .folded.gz}), and the
 * off-CPU stacks as folded lines when the job has them. Not cut to the ingest report's stack cap:
 * this is where the whole slice goes.
 */
public final class NodeObjects {

    private NodeObjects() {}

    /**
     * @param keyBase the objects' key without suffix ({@link ObjectKeys#node})
     */
    public static List<StoredObject> of(String keyBase, SliceResult result, Instant start, Instant end) {
        List<StoredObject> objects = new ArrayList<>(3);
        int frequency = Math.max(1, result.profile().frequencyHz());
        objects.add(new StoredObject(
                keyBase + ObjectKeys.PPROF,
                "application/octet-stream",
                pprof(new PprofSlice(
                        result.stacks(), result.pods(), frequency, start, end.isBefore(start) ? start : end))));
        objects.add(new StoredObject(keyBase + ObjectKeys.FOLDED, "application/gzip", folded(result.stacks())));
        List<SymbolizedStack> blocked = result.blockedMicroseconds();
        if (!blocked.isEmpty()) {
            objects.add(new StoredObject(keyBase + ObjectKeys.OFF_CPU_FOLDED, "application/gzip", folded(blocked)));
        }
        return objects;
    }

    private static byte[] pprof(PprofSlice slice) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PprofWriter.write(slice, out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the pprof profile: " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    private static byte[] folded(List<SymbolizedStack> stacks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Writer writer = new OutputStreamWriter(new FastGzip(out), StandardCharsets.UTF_8)) {
            FoldedStacks.write(stacks, writer);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot gzip folded stacks: " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    /**
     * gzip at the fastest level: the agent pays this every slice. On 680 KB of synthetic folded
     * stacks zlib level 1 took about a tenth of the default level 6's time for output about 10 %
     * larger.
     */
    private static final class FastGzip extends GZIPOutputStream {
        FastGzip(OutputStream out) throws IOException {
            super(out);
            def.setLevel(Deflater.BEST_SPEED);
        }
    }
}
