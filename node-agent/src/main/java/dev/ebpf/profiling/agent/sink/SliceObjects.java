package dev.ebpf.profiling.agent.sink;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Objects;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * What one node produced for one slice, as the producers hand it over: the NodeProfile JSON, the
 * folded stacks as plain text ({@code a;b;c 12} lines) and the pprof file as written by its
 * producer (pprof files are normally gzipped protobuf already, so they are stored as they are).
 *
 * @param slice        which job, slice and node
 * @param profileJson  the NodeProfile document, UTF-8 JSON
 * @param foldedStacks folded stacks, UTF-8 text; gzipped on the way to the store
 * @param pprof        the pprof file
 */
public record SliceObjects(SliceKey slice, byte[] profileJson, byte[] foldedStacks, byte[] pprof) {

    static final String JSON_SUFFIX = ".json";
    static final String FOLDED_SUFFIX = ".folded.gz";
    static final String PPROF_SUFFIX = ".pprof";

    public SliceObjects {
        Objects.requireNonNull(slice, "slice key is missing");
        Objects.requireNonNull(profileJson, "profile JSON of " + slice.path() + " is missing");
        Objects.requireNonNull(foldedStacks, "folded stacks of " + slice.path() + " are missing");
        Objects.requireNonNull(pprof, "pprof file of " + slice.path() + " is missing");
    }

    /**
     * The three objects, keyed {@code {prefix}/{namespace}/{job}/{sliceStart}/{node}.json},
     * {@code ...{node}.folded.gz} and {@code ...{node}.pprof}.
     */
    public List<StoredObject> toObjects(String prefix) {
        String base = prefix.isEmpty() ? slice.path() : prefix + "/" + slice.path();
        return List.of(
                new StoredObject(base + JSON_SUFFIX, "application/json", profileJson),
                new StoredObject(base + FOLDED_SUFFIX, "application/gzip", gzip(foldedStacks)),
                new StoredObject(base + PPROF_SUFFIX, "application/octet-stream", pprof));
    }

    private static byte[] gzip(byte[] plain) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(plain.length / 4 + 64);
        try (GZIPOutputStream gz = new FastGzip(out)) {
            gz.write(plain);
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
