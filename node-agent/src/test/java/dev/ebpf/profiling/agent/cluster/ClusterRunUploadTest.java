package dev.ebpf.profiling.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.cgroup.CgroupMount;
import dev.ebpf.profiling.agent.metrics.AgentMetrics;
import dev.ebpf.profiling.agent.output.pprof.DecodedProfile;
import dev.ebpf.profiling.agent.sink.LocalS3Server;
import dev.ebpf.profiling.agent.sink.SinkState;
import dev.ebpf.profiling.agent.sink.SpoolBounds;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.agent.testsupport.StartedProcesses;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.AgentJobConfig;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.Profiler;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.ProfileJson;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code ClusterRun} (mock API server, real eBPF) uploading to a real S3 server (s3proxy,
 * filesystem backend): keys and contents, bad credentials fixed while it runs, an outage with a
 * tiny spool bound, and a missing bucket. The result ConfigMaps keep coming through all of it.
 */
@EnableKubernetesMockClient(crud = true)
class ClusterRunUploadTest {

    private static final String NODE = "node-under-test";
    private static final String NAMESPACE = "web";
    private static final String JOB = "upload-job";
    private static final String BUCKET = "profiles";
    private static final String PREFIX = "clusters/test";
    private static final Duration QUICK_RETRY = Duration.ofMillis(200);

    KubernetesClient client;

    @TempDir
    Path dir;

    private LocalS3Server server;
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final AgentMetrics metrics = new AgentMetrics(NODE);

    @BeforeEach
    void setUp() {
        RequiresRoot.assumeBpf();
        server = LocalS3Server.start(dir.resolve("s3-data"));
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void uploadsEachSliceAndLinksItsResultToTheObjects() throws Exception {
        server.createBucket(BUCKET);
        writeCredentials(LocalS3Server.SECRET_KEY);

        // A busy process, so every slice of this node-wide job has samples to check (even on an idle machine).
        try (StartedProcesses busy = new StartedProcesses()) {
            busy.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
            clusterRun(2, new SpoolBounds(50_000_000, 100)).run();
        }

        List<ConfigMap> results = results();
        assertThat(results).hasSize(2);
        for (ConfigMap result : results) {
            String slice = result.getMetadata().getLabels().get(AgentContract.LABEL_SLICE);
            NodeProfile published = ProfileJson.mapper()
                    .readValue(result.getData().get(AgentContract.RESULT_PROFILE_KEY), NodeProfile.class);
            String base = PREFIX + "/" + NAMESPACE + "/" + JOB + "/"
                    + published.start().truncatedTo(ChronoUnit.SECONDS) + "/" + NODE;
            assertThat(result.getMetadata().getAnnotations())
                    .as("slice %s, log %s", slice, log)
                    .containsEntry(
                            AgentContract.ANNOTATION_OBJECTS,
                            "s3://" + BUCKET + "/" + base + ".json," + "s3://" + BUCKET + "/" + base + ".folded.gz,"
                                    + "s3://" + BUCKET + "/" + base + ".pprof");

            NodeProfile stored = ProfileJson.mapper().readValue(server.read(BUCKET, base + ".json"), NodeProfile.class);
            assertThat(stored.start()).isEqualTo(published.start());
            assertThat(stored.totalSamples())
                    .isEqualTo(published.totalSamples())
                    .isPositive();
            String folded = new String(gunzip(server.read(BUCKET, base + ".folded.gz")), StandardCharsets.UTF_8);
            assertThat(folded.lines())
                    .isNotEmpty()
                    .allSatisfy(line -> assertThat(line).matches("\\S.*;.* [0-9]+"));
            long foldedSamples = folded.lines()
                    .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1)))
                    .sum();
            assertThat(foldedSamples).isEqualTo(published.totalSamples());
            DecodedProfile pprof =
                    DecodedProfile.readGzipped(new ByteArrayInputStream(server.read(BUCKET, base + ".pprof")));
            assertThat(pprof.sampleCount()).isPositive();
            assertThat(pprof.startNanos())
                    .isEqualTo(TimeUnit.SECONDS.toNanos(published.start().getEpochSecond())
                            + published.start().getNano());
        }
        // The newest result carries the sink's state for the operator.
        assertThat(newest(results()).getMetadata().getAnnotations())
                .containsEntry(AgentContract.ANNOTATION_UPLOAD_STATE, AgentContract.UPLOAD_STATE_OK)
                .containsEntry(AgentContract.ANNOTATION_UPLOAD_MESSAGE, "")
                .containsEntry(AgentContract.ANNOTATION_UPLOADS_PENDING, "0")
                .containsEntry(AgentContract.ANNOTATION_UPLOADS_DROPPED, "0");
        assertThat(scrape()).contains("ebpf_profiler_uploads_pending{node=\"node-under-test\"} 0.0");
    }

    @Test
    void badCredentialsAreReportedAndTheSlicesGoUpInOrderOnceTheSecretIsFixed() throws Exception {
        server.createBucket(BUCKET);
        writeCredentials("not-the-secret");

        CompletableFuture<Void> run = inBackground(clusterRun(8, new SpoolBounds(50_000_000, 100)));
        // (Before its first try the sink may say Uploaded with a slice pending: nothing failed yet.)
        Map<String, String> rejected = awaitNewest(
                a -> SinkState.BAD_CREDENTIALS.reason().equals(a.get(AgentContract.ANNOTATION_UPLOAD_STATE)),
                "the credentials rejected");
        assertThat(rejected)
                .as("log %s", log)
                .containsEntry(AgentContract.ANNOTATION_UPLOAD_STATE, SinkState.BAD_CREDENTIALS.reason());
        assertThat(rejected.get(AgentContract.ANNOTATION_UPLOAD_MESSAGE))
                .contains("rejected the credentials of access key 'test-access-key'")
                .doesNotContain("not-the-secret");
        assertThat(Integer.parseInt(rejected.get(AgentContract.ANNOTATION_UPLOADS_PENDING)))
                .isPositive();
        assertThat(server.putOrder()).isEmpty();

        writeCredentials(LocalS3Server.SECRET_KEY); // what the kubelet does when the Secret is fixed
        run.get(60, TimeUnit.SECONDS);

        // Nothing lost: every slice is in the store, oldest first.
        List<String> jsonKeys =
                server.putOrder().stream().filter(k -> k.endsWith(".json")).toList();
        assertThat(jsonKeys).as("log %s", log).hasSize(8).isSortedAccordingTo(Comparator.naturalOrder());
        assertThat(newestAnnotations())
                .containsEntry(AgentContract.ANNOTATION_UPLOAD_STATE, AgentContract.UPLOAD_STATE_OK)
                .containsEntry(AgentContract.ANNOTATION_UPLOADS_PENDING, "0");
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("ObjectStoreCredentialsRejected");
    }

    @Test
    void anOutageSpoolsInOrderAndCountsWhatTheBoundDrops() throws Exception {
        server.createBucket(BUCKET);
        writeCredentials(LocalS3Server.SECRET_KEY);
        server.stop();

        // Room for two slices only: the third slice of the outage pushes the first out.
        CompletableFuture<Void> run = inBackground(clusterRun(5, new SpoolBounds(50_000_000, 2)));
        awaitScrape("ebpf_profiler_uploads_dropped_total{node=\"node-under-test\"} 1.0");
        Map<String, String> down = newestAnnotations();
        assertThat(down)
                .containsEntry(AgentContract.ANNOTATION_UPLOAD_STATE, SinkState.STORE_UNREACHABLE.reason())
                .containsEntry(AgentContract.ANNOTATION_UPLOADS_PENDING, "2")
                .containsEntry(AgentContract.ANNOTATION_UPLOADS_DROPPED, "1");
        assertThat(down.get(AgentContract.ANNOTATION_UPLOADS_DROPPED_REASON)).contains("spool full");
        String firstSlice = results().stream()
                .map(c -> c.getMetadata().getLabels().get(AgentContract.LABEL_SLICE))
                .sorted()
                .findFirst()
                .orElseThrow();

        server.restart();
        run.get(60, TimeUnit.SECONDS);

        List<String> jsonKeys =
                server.putOrder().stream().filter(k -> k.endsWith(".json")).toList();
        assertThat(jsonKeys).as("log %s", log).hasSize(4).isSortedAccordingTo(Comparator.naturalOrder());
        assertThat(jsonKeys).noneMatch(k -> k.contains(isoOf(firstSlice)));
        assertThat(newestAnnotations())
                .containsEntry(AgentContract.ANNOTATION_UPLOAD_STATE, AgentContract.UPLOAD_STATE_OK)
                .containsEntry(AgentContract.ANNOTATION_UPLOADS_PENDING, "0")
                .containsEntry(AgentContract.ANNOTATION_UPLOADS_DROPPED, "1");
        assertThat(results()).hasSize(5); // the ConfigMaps never waited for the store
        assertThat(scrape()).contains("ebpf_profiler_uploads_dropped_total{node=\"node-under-test\"} 1.0");
    }

    @Test
    void aMissingBucketIsReportedAndTheSliceWaits() throws Exception {
        writeCredentials(LocalS3Server.SECRET_KEY);

        clusterRun(1, new SpoolBounds(50_000_000, 100)).run();

        assertThat(results()).hasSize(1);
        assertThat(newestAnnotations())
                .as("log %s", log)
                .containsEntry(AgentContract.ANNOTATION_UPLOAD_STATE, SinkState.BUCKET_MISSING.reason())
                .containsEntry(AgentContract.ANNOTATION_UPLOADS_PENDING, "1")
                .doesNotContainKey(AgentContract.ANNOTATION_OBJECTS);
        assertThat(newestAnnotations().get(AgentContract.ANNOTATION_UPLOAD_MESSAGE))
                .contains("'profiles' does not exist");
        assertThat(scrape()).contains("ebpf_profiler_uploads_pending{node=\"node-under-test\"} 1.0");
    }

    @Test
    void unreadableKeyFilesAreReportedAndTheSliceWaits() throws Exception {
        server.createBucket(BUCKET); // no credentials directory: the Secret's files are not there

        clusterRun(1, new SpoolBounds(50_000_000, 100)).run();

        assertThat(results()).hasSize(1); // the ConfigMap does not wait for the store
        assertThat(newestAnnotations())
                .as("log %s", log)
                .containsEntry(AgentContract.ANNOTATION_UPLOAD_STATE, SinkState.BAD_CREDENTIALS.reason())
                .containsEntry(AgentContract.ANNOTATION_UPLOADS_PENDING, "1");
        assertThat(newestAnnotations().get(AgentContract.ANNOTATION_UPLOAD_MESSAGE))
                .isEqualTo("object store credentials: "
                        + dir.resolve("credentials").resolve(AgentContract.CREDENTIALS_ACCESS_KEY_ID_FILE)
                        + " does not exist");
        assertThat(server.putOrder()).isEmpty();
    }

    private ClusterRun clusterRun(int runs, SpoolBounds bounds) throws IOException {
        AgentJobConfig config = new AgentJobConfig(
                AgentJobConfig.SCHEMA_VERSION,
                new AgentJobConfig.JobRef(NAMESPACE, JOB, "u-uid"),
                Mode.FILTER,
                List.of(Profiler.ON_CPU),
                99,
                null,
                1,
                null,
                runs,
                10,
                10,
                true,
                List.of(),
                null,
                new AgentJobConfig.ObjectStore(server.endpoint().toString(), BUCKET, PREFIX, LocalS3Server.REGION));
        Path configFile = dir.resolve("job.json");
        Files.writeString(configFile, ProfileJson.mapper().writeValueAsString(config));
        return new ClusterRun(
                client,
                NODE,
                configFile,
                CgroupMount.findUnified(),
                new PrintStream(log, true, StandardCharsets.UTF_8),
                metrics,
                new SliceUploads.Settings(dir.resolve("spool"), bounds, dir.resolve("credentials"), QUICK_RETRY));
    }

    /**
     * Runs the agent on a thread of its own. Not the common fork-join pool: on a 2-CPU machine that
     * pool has one worker, and the Kubernetes client completes its requests there.
     */
    private static CompletableFuture<Void> inBackground(ClusterRun run) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("cluster-run").start(() -> {
            try {
                run.run();
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    private void writeCredentials(String secret) throws IOException {
        Path credentials = Files.createDirectories(dir.resolve("credentials"));
        Files.writeString(credentials.resolve(AgentContract.CREDENTIALS_ACCESS_KEY_ID_FILE), LocalS3Server.ACCESS_KEY);
        Files.writeString(credentials.resolve(AgentContract.CREDENTIALS_SECRET_ACCESS_KEY_FILE), secret + "\n");
    }

    private List<ConfigMap> results() {
        return client.configMaps()
                .inNamespace(NAMESPACE)
                .withLabel(AgentContract.LABEL_COMPONENT, AgentContract.COMPONENT_RESULT)
                .list()
                .getItems();
    }

    private static ConfigMap newest(List<ConfigMap> results) {
        return results.stream()
                .max(Comparator.comparing(c -> c.getMetadata().getLabels().get(AgentContract.LABEL_SLICE)))
                .orElseThrow();
    }

    /**
     * The sink's state as the operator reads it: the annotations of the newest result that carries
     * an upload state (a result just published is annotated on the agent's next upload round).
     */
    private Map<String, String> newestAnnotations() {
        return results().stream()
                .filter(c -> c.getMetadata().getAnnotations() != null
                        && c.getMetadata().getAnnotations().containsKey(AgentContract.ANNOTATION_UPLOAD_STATE))
                .max(Comparator.comparing(c -> c.getMetadata().getLabels().get(AgentContract.LABEL_SLICE)))
                .map(c -> c.getMetadata().getAnnotations())
                .orElse(Map.of());
    }

    /** The slice label 20261126T062000Z as the ISO instant in object keys. */
    private static String isoOf(String sliceLabel) {
        return sliceLabel.substring(0, 4) + "-" + sliceLabel.substring(4, 6) + "-" + sliceLabel.substring(6, 11) + ":"
                + sliceLabel.substring(11, 13) + ":" + sliceLabel.substring(13);
    }

    private String scrape() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.writeText(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The newest result's annotations once they satisfy {@code condition} (the same snapshot it saw). */
    private Map<String, String> awaitNewest(Predicate<Map<String, String>> condition, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            Map<String, String> annotations = newestAnnotations();
            if (condition.test(annotations)) {
                return annotations;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + what + " within 30 s; log: " + log);
            }
            Thread.sleep(500);
        }
    }

    private void awaitScrape(String line) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!scrape().contains(line)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no '" + line + "' within 30 s; log: " + log);
            }
            Thread.sleep(50);
        }
    }

    private static byte[] gunzip(byte[] gzipped) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
            return in.readAllBytes();
        }
    }
}
