package dev.ebpf.profiling.agent.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.cluster.AgentJob;
import dev.ebpf.profiling.agent.cluster.SliceWindow;
import dev.ebpf.profiling.agent.metrics.AgentMetrics;
import dev.ebpf.profiling.agent.profile.SliceResult;
import dev.ebpf.profiling.agent.symbolize.SymbolizedStack;
import dev.ebpf.profiling.api.ingest.JobKey;
import dev.ebpf.profiling.api.ingest.NodeUploadReport;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.ObjectStoreSpec;
import dev.ebpf.profiling.api.profile.Frame;
import dev.ebpf.profiling.api.profile.LostSamples;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.store.ObjectStoreDefinitions;
import dev.ebpf.profiling.api.store.ObjectStores;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's uploads to an admin's store, against a real S3 server (s3proxy in this JVM): the keys,
 * the content, the jitter's bound, and failures reported and counted.
 */
class StoreUploadSinkTest {

    private static final String BUCKET = "profiles";
    private static final String NODE = "node-1";
    private static final Instant START = Instant.parse("2026-11-26T12:05:00Z");
    private static final SliceWindow WINDOW = new SliceWindow(START, START.plusSeconds(10));
    private static final JobKey KEY = new JobKey("shop", "checkout", "uid-1", 1);

    @TempDir
    Path temp;

    private LocalS3Server server;
    private Path credentials;
    private final List<NodeUploadReport> reports = new CopyOnWriteArrayList<>();
    private final List<Long> delaysMillis = new CopyOnWriteArrayList<>();
    private final AgentMetrics metrics = new AgentMetrics(NODE);
    private RecordingScheduler uploader;

    @BeforeEach
    void start() {
        server = LocalS3Server.start(temp.resolve("s3"));
        server.createBucket(BUCKET);
        credentials = temp.resolve("credentials");
        LocalS3Server.writeCredentials(credentials, "archive", LocalS3Server.ACCESS_KEY, LocalS3Server.SECRET_KEY);
        uploader = new RecordingScheduler(delaysMillis);
    }

    @AfterEach
    void stop() {
        uploader.shutdownNow();
        server.close();
    }

    @Test
    void uploadsPprofAndFoldedStacksUnderSpreadKeysAndReportsThem() throws Exception {
        StoreUploadSink sink = sink(Duration.ZERO, "clusters/prod");

        sink.publish(job("team-a"), WINDOW, result(), List.of(), List.of());
        awaitReports(1);

        String base = "clusters/prod/team-a/nodes/" + sha256FirstByte(NODE) + "/shop/checkout/20261126T120500Z/" + NODE;
        assertThat(server.keys(BUCKET)).containsExactly(base + ".folded.gz", base + ".pprof");
        assertThat(gunzip(server.read(BUCKET, base + ".folded.gz")))
                .isEqualTo("java;main;idle 2\njava;main;work;spin 40\n");
        byte[] pprof = server.read(BUCKET, base + ".pprof");
        assertThat(gunzip(pprof)).isNotEmpty(); // gzipped profile.proto
        NodeUploadReport report = reports.getFirst();
        assertThat(report.failed()).isFalse();
        assertThat(report.node()).isEqualTo(NODE);
        assertThat(report.slice()).isEqualTo("20261126T120500Z");
        assertThat(report.objects())
                .containsExactly("s3://profiles/" + base + ".pprof", "s3://profiles/" + base + ".folded.gz");
        assertThat(scrape()).contains("ebpf_profiler_uploads_total{node=\"node-1\",reason=\"Uploaded\"} 1.0");
    }

    @Test
    void nodesOfOneSliceGoUnderDifferentPrefixes() {
        // 1,000 node names over 256 two-hex-digit prefixes: far from one hot prefix. A uniform hash
        // fills on average 256 x (1 - (255/256)^1000) = 251 of them; 200 leaves room for chance.
        java.util.Set<String> prefixes = new java.util.HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            String key = dev.ebpf.profiling.api.store.ObjectKeys.node("", "shop", "checkout", "s", "node-" + i);
            prefixes.add(key.substring(0, "nodes/xx".length()));
        }
        assertThat(prefixes).hasSizeGreaterThan(200);
    }

    @Test
    void rejectedCredentialsAreReportedAndCounted() throws Exception {
        LocalS3Server.writeCredentials(credentials, "archive", LocalS3Server.ACCESS_KEY, "wrong-secret");
        StoreUploadSink sink = sink(Duration.ZERO, "");

        sink.publish(job((String) null), WINDOW, result(), List.of(), List.of());
        awaitReports(1);

        NodeUploadReport report = reports.getFirst();
        assertThat(report.failed()).isTrue();
        assertThat(report.failure()).isEqualTo("ObjectStoreCredentialsRejected");
        assertThat(report.objects()).isEmpty();
        assertThat(server.keys(BUCKET)).isEmpty();
        assertThat(scrape())
                .contains("ebpf_profiler_uploads_total{node=\"node-1\",reason=\"ObjectStoreCredentialsRejected\"} 1.0");
    }

    @Test
    void anUnreachableStoreIsReportedAndCounted() throws Exception {
        server.stop();
        StoreUploadSink sink = sink(Duration.ZERO, "");

        sink.publish(job((String) null), WINDOW, result(), List.of(), List.of());
        awaitReports(1);

        assertThat(reports.getFirst().failure()).isEqualTo("ObjectStoreUnreachable");
        assertThat(scrape())
                .contains("ebpf_profiler_uploads_total{node=\"node-1\",reason=\"ObjectStoreUnreachable\"} 1.0");
        server.restart();
    }

    @Test
    void aStoreThisAgentDoesNotKnowIsReportedWithoutAnUpload() {
        StoreUploadSink sink = sink(Duration.ZERO, "");
        ObjectStoreSpec unknown = new ObjectStoreSpec();
        unknown.name = "elsewhere";

        sink.publish(job(unknown), WINDOW, result(), List.of(), List.of());

        assertThat(reports)
                .singleElement()
                .satisfies(r -> assertThat(r.failure()).isEqualTo("ObjectStoreUnknown"));
        assertThat(delaysMillis).isEmpty();
    }

    @Test
    void eachUploadWaitsARandomDelayWithinTheJitterWindowAfterTheSliceEnd() throws Exception {
        Duration window = Duration.ofSeconds(2);
        StoreUploadSink sink = sink(window, "");
        for (int i = 0; i < 12; i++) {
            sink.publish(job((String) null), WINDOW, result(), List.of(), List.of());
        }
        awaitReports(12);

        assertThat(delaysMillis).hasSize(12).allSatisfy(d -> assertThat(d).isBetween(0L, window.toMillis()));
        // Twelve uniform draws from [0, 2000] ms: all twelve in one half has probability 2 x 2^-12.
        assertThat(delaysMillis).anySatisfy(d -> assertThat(d).isLessThan(1_000L));
        assertThat(delaysMillis).anySatisfy(d -> assertThat(d).isGreaterThanOrEqualTo(1_000L));
        assertThat(reports).allSatisfy(r -> assertThat(r.failed()).isFalse());
    }

    @Test
    void jitterStaysInItsWindow() {
        UploadJitter jitter = new UploadJitter(Duration.ofMillis(500), new SplittableRandom(7));
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (int i = 0; i < 10_000; i++) {
            long millis = jitter.next().toMillis();
            min = Math.min(min, millis);
            max = Math.max(max, millis);
        }
        // 10,000 uniform draws over 501 values: missing the lowest or highest 10 ms has probability
        // (1 - 11/501)^10000, which is below 1e-90.
        assertThat(min).isBetween(0L, 10L);
        assertThat(max).isBetween(490L, 500L);
        assertThat(new UploadJitter(Duration.ZERO).next()).isZero();
    }

    @Test
    void aJobWithoutAStoreOnlyReachesTheNextSink() {
        List<AgentJob> passed = new ArrayList<>();
        StoreUploadSink sink = new StoreUploadSink(
                NODE,
                (job, window, result, history, limitations) -> passed.add(job),
                stores(""),
                new UploadJitter(Duration.ZERO),
                uploader,
                reports::add,
                metrics,
                new PrintStream(new ByteArrayOutputStream()),
                Clock.systemUTC());

        sink.publish(withStore(null), WINDOW, result(), List.of(), List.of());

        assertThat(passed).hasSize(1);
        assertThat(reports).isEmpty();
        assertThat(delaysMillis).isEmpty();
    }

    private StoreUploadSink sink(Duration jitter, String storePrefix) {
        // The slice ended just now: the whole jitter is still ahead.
        Clock clock = Clock.fixed(WINDOW.end(), ZoneOffset.UTC);
        return new StoreUploadSink(
                NODE,
                (job, window, result, history, limitations) -> {},
                stores(storePrefix),
                new UploadJitter(jitter),
                uploader,
                reports::add,
                metrics,
                new PrintStream(new ByteArrayOutputStream()),
                clock);
    }

    private ObjectStores stores(String prefix) {
        String json = "[{\"name\":\"archive\",\"endpoint\":\"" + server.endpoint() + "\",\"bucket\":\"" + BUCKET
                + "\",\"prefix\":\"" + prefix + "\",\"credentialsSecret\":\"archive-s3\"}]";
        return new ObjectStores(ObjectStoreDefinitions.parse(json), credentials);
    }

    private static AgentJob job(String prefix) {
        ObjectStoreSpec store = new ObjectStoreSpec();
        store.name = "archive";
        store.prefix = prefix;
        return job(store);
    }

    private static AgentJob job(ObjectStoreSpec store) {
        return withStore(store);
    }

    private static AgentJob withStore(ObjectStoreSpec store) {
        return new AgentJob(
                KEY,
                Mode.GENERAL,
                false,
                false,
                99,
                null,
                Duration.ofSeconds(10),
                Duration.ofSeconds(10),
                null,
                5,
                null,
                null,
                START,
                store,
                dev.ebpf.profiling.agent.sampler.Unwinding.DWARF);
    }

    private static SliceResult result() {
        List<Frame> spin = List.of(
                new Frame("spin", "java", Frame.Origin.EXECUTABLE),
                new Frame("work", "java", Frame.Origin.EXECUTABLE),
                new Frame("main", "java", Frame.Origin.EXECUTABLE));
        List<Frame> idle = List.of(
                new Frame("idle", "java", Frame.Origin.EXECUTABLE), new Frame("main", "java", Frame.Origin.EXECUTABLE));
        NodeProfile profile = new NodeProfile(
                NODE,
                "cpu-clock",
                99,
                List.of(0),
                START,
                START.plusSeconds(10),
                10.0,
                42,
                0,
                new LostSamples(0, 0, 0),
                List.of());
        return new SliceResult(
                profile,
                List.of(new SymbolizedStack(7, "java", spin, 40), new SymbolizedStack(7, "java", idle, 2)),
                List.of(),
                Map.of());
    }

    private void awaitReports(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (reports.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(reports).hasSizeGreaterThanOrEqualTo(count);
    }

    private String scrape() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.writeText(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String gunzip(byte[] bytes) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String sha256FirstByte(String text) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().toHexDigits(digest[0]);
    }

    /** A real scheduler that also keeps each delay it was asked for. */
    private static final class RecordingScheduler extends ScheduledThreadPoolExecutor {
        private final List<Long> delaysMillis;

        RecordingScheduler(List<Long> delaysMillis) {
            super(1);
            this.delaysMillis = delaysMillis;
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            delaysMillis.add(unit.toMillis(delay));
            return super.schedule(command, delay, unit);
        }

        @Override
        public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
            delaysMillis.add(unit.toMillis(delay));
            return super.schedule(callable, delay, unit);
        }
    }
}
