package dev.ebpf.profiling.agent.sink;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Upload throughput to a local s3proxy (filesystem backend), through the whole sink: spool write,
 * put of the three objects, spool delete. Four figures from one run: the raw
 * {@link S3ObjectStore#put} of the same three objects (no spool: the floor), slices uploaded as they
 * come on the submitting thread, the agent's arrangement (the slice loop spools, one background
 * upload thread drains, as {@code SliceUploads} runs it), and a backlog drained after an outage. Run:
 * {@code mvn -pl node-agent test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.ebpf.profiling.agent.sink.UploadThroughputBenchmark [-Dexec.args="SLICES"]}
 */
public final class UploadThroughputBenchmark {

    private static final int DEFAULT_SLICES = 200;
    private static final int WARMUP_SLICES = 100;
    /** Sizes of a busy node's slice: the NodeProfile, folded stacks before gzip, the gzipped pprof. */
    private static final int JSON_BYTES = 20_000;

    private static final int FOLDED_STACKS = 5_000;
    private static final int PPROF_BYTES = 150_000;
    private static final int FUNCTIONS = 2_000;
    private static final int CALLEES = 3;

    private UploadThroughputBenchmark() {}

    public static void main(String[] args) throws Exception {
        int slices = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_SLICES;
        System.out.println(
                "load average " + Files.readString(Path.of("/proc/loadavg")).strip());
        Path temp = Files.createTempDirectory("upload-benchmark");
        Random random = new Random(42);
        byte[] json = ascii(random, JSON_BYTES);
        byte[] folded = folded(random);
        byte[] pprof = new byte[PPROF_BYTES];
        random.nextBytes(pprof);
        long sliceBytes = new SliceObjects(key(0), json, folded, pprof)
                .toObjects("bench").stream().mapToLong(o -> o.content().length).sum();

        try (LocalS3Server server = LocalS3Server.start(temp.resolve("s3"))) {
            server.createBucket("bench");
            // Raw puts before and after the sink runs: the first run of anything in a fresh JVM and
            // s3proxy is slower, so the pair shows how much of a difference is order alone.
            rawPuts(server, "raw S3ObjectStore.put", slices, json, folded, pprof, sliceBytes);
            SpoolBounds bounds = new SpoolBounds(10L * 1024 * 1024 * 1024, 100_000);
            try (ObjectStoreSink sink = new ObjectStoreSink(
                    server.config("bench", "bench"), new SliceSpool(temp.resolve("spool"), bounds), Runnable::run)) {
                for (int i = 0; i < WARMUP_SLICES; i++) {
                    sink.submit(new SliceObjects(key(-1 - i), json, folded, pprof));
                }
                long start = System.nanoTime();
                for (int i = 0; i < slices; i++) {
                    SinkStatus status = sink.submit(new SliceObjects(key(i), json, folded, pprof));
                    if (status.state() != SinkState.READY) {
                        throw new IllegalStateException("upload failed: " + status.message());
                    }
                }
                report("live", slices, sliceBytes, System.nanoTime() - start);
            }
            ExecutorService uploader = Executors.newSingleThreadExecutor();
            try (ObjectStoreSink sink = new ObjectStoreSink(
                    server.config("bench", "agent"), new SliceSpool(temp.resolve("agent-spool"), bounds), uploader)) {
                long start = System.nanoTime();
                for (int i = 0; i < slices; i++) {
                    sink.submit(new SliceObjects(key(i), json, folded, pprof));
                }
                while (sink.status().pendingSlices() > 0 || sink.status().uploadedSlices() < slices) {
                    if (sink.status().state() != SinkState.READY) {
                        throw new IllegalStateException(
                                "upload failed: " + sink.status().message());
                    }
                    Thread.sleep(1);
                }
                report("spool + upload thread", slices, sliceBytes, System.nanoTime() - start);
            } finally {
                uploader.shutdown();
            }
            try (ObjectStoreSink sink = new ObjectStoreSink(
                    server.config("bench", "bench"), new SliceSpool(temp.resolve("spool"), bounds), Runnable::run)) {
                server.stop();
                for (int i = 0; i < slices; i++) {
                    sink.submit(new SliceObjects(key(slices + i), json, folded, pprof));
                }
                server.restart();
                long start = System.nanoTime();
                SinkStatus status = sink.drain();
                long elapsed = System.nanoTime() - start;
                if (status.pendingSlices() != 0) {
                    throw new IllegalStateException("backlog not drained: " + status);
                }
                report("backlog after outage", slices, sliceBytes, elapsed);
            }
            rawPuts(server, "raw put, again", slices, json, folded, pprof, sliceBytes);
        }
    }

    private static void rawPuts(
            LocalS3Server server, String what, int slices, byte[] json, byte[] folded, byte[] pprof, long sliceBytes)
            throws StoreException {
        try (S3ObjectStore store = new S3ObjectStore(server.config("bench", "raw"))) {
            for (int i = 0; i < WARMUP_SLICES; i++) {
                putAll(store, new SliceObjects(key(-1 - i), json, folded, pprof));
            }
            long start = System.nanoTime();
            for (int i = 0; i < slices; i++) {
                putAll(store, new SliceObjects(key(i), json, folded, pprof));
            }
            report(what, slices, sliceBytes, System.nanoTime() - start);
        }
    }

    private static void putAll(S3ObjectStore store, SliceObjects slice) throws StoreException {
        for (StoredObject object : slice.toObjects("raw")) {
            store.put(object);
        }
    }

    private static void report(String what, int slices, long sliceBytes, long nanos) {
        double seconds = nanos / 1e9;
        System.out.printf(
                Locale.ROOT,
                "%-22s %5d slices x %,d bytes (3 objects): %.2f s, %.1f slices/s, %.1f MB/s, %.1f ms/slice%n",
                what,
                slices,
                sliceBytes,
                seconds,
                slices / seconds,
                slices * sliceBytes / seconds / 1e6,
                seconds * 1000 / slices);
    }

    private static SliceKey key(int n) {
        return new SliceKey(
                "bench", "web", Instant.parse("2026-11-26T00:00:00Z").plusSeconds(30L * n), "node-1");
    }

    private static byte[] ascii(Random random, int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) ('a' + random.nextInt(26));
        }
        return bytes;
    }

    /**
     * Folded stacks shaped like real ones: random walks down a fixed call graph, so stacks share
     * long prefixes (random frame names would compress unrealistically badly).
     */
    private static byte[] folded(Random random) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < FOLDED_STACKS; i++) {
            int app = random.nextInt(20);
            text.append("app").append(app).append(";main");
            int function = app * 97 % FUNCTIONS;
            int depth = 5 + random.nextInt(25);
            for (int d = 0; d < depth; d++) {
                function = (function * 7 + 13 * (1 + random.nextInt(CALLEES))) % FUNCTIONS;
                text.append(";fn_").append(function);
            }
            text.append(' ').append(1 + random.nextInt(500)).append('\n');
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }
}
