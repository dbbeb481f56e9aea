package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.sink.LocalS3Server;
import dev.ebpf.profiling.api.ingest.JobKey;
import dev.ebpf.profiling.api.ingest.NodeUploadReport;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.ObjectStoreSpec;
import dev.ebpf.profiling.api.job.ObjectStoreStatus;
import dev.ebpf.profiling.api.job.OutputSpec;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import dev.ebpf.profiling.api.store.ObjectStoreContract;
import dev.ebpf.profiling.api.store.ObjectStoreDefinitions;
import dev.ebpf.profiling.operator.agents.AgentDaemonSet;
import dev.ebpf.profiling.operator.ingest.SliceStore;
import dev.ebpf.profiling.operator.status.Conditions;
import dev.ebpf.profiling.operator.stores.ObjectStoreUploads;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The admin's object stores on the operator's side, on the mock API server (CRUD) and a real S3
 * server (s3proxy): jobs that name an unknown store or bring their own endpoint are refused; the
 * merged slice is uploaded under its key; the nodes' reports make a bounded status; the agent
 * DaemonSet gets the stores and their Secrets from the operator's namespace.
 */
@EnableKubernetesMockClient(crud = true)
class ObjectStoreTest {

    static final String NS = "object-store";
    static final String BUCKET = "profiles";

    KubernetesClient client;

    Cluster cluster;
    Pod a;
    Pod b;
    LocalS3Server s3;
    Path credentials;
    ObjectStoreUploads uploads;

    @BeforeEach
    void setUp() throws IOException {
        cluster = new Cluster(client);
        cluster.node("node-1", 2);
        cluster.node("node-2", 2);
        a = cluster.pod(NS, "a", Map.of("app", "a"), "node-1");
        b = cluster.pod(NS, "b", Map.of("app", "a"), "node-2");
        Path temp = Files.createTempDirectory("object-store-test");
        s3 = LocalS3Server.start(temp.resolve("s3"));
        s3.createBucket(BUCKET);
        credentials = temp.resolve("credentials");
        LocalS3Server.writeCredentials(credentials, "archive", LocalS3Server.ACCESS_KEY, LocalS3Server.SECRET_KEY);
        uploads = ObjectStoreUploads.of(definitions(), credentials);
    }

    @AfterEach
    void tearDown() {
        uploads.close();
        s3.close();
    }

    @Test
    void aJobNamingAStoreTheAdminDidNotDefineIsRefusedWithAClearCondition() {
        cluster.job(NS, "unknown", withStore("elsewhere", null));
        ProfilingJob job = reconcile(operator(store(Clock.systemUTC())), "unknown");

        var ready = Conditions.find(job.getStatus().conditions, ProfilingJobStatus.READY)
                .orElseThrow();
        assertThat(ready.getStatus()).isEqualTo("False");
        assertThat(ready.getReason()).isEqualTo("ObjectStoreUnknown");
        assertThat(ready.getMessage())
                .isEqualTo("spec.output.objectStore.name 'elsewhere' is not one of the object stores the cluster"
                        + " admin defined (Helm values objectStores): archive");
        assertThat(job.getStatus().targetNodes).isEmpty();
    }

    @Test
    void aJobGivingItsOwnEndpointIsRefused() {
        ProfilingJobSpec spec = withStore("archive", null);
        spec.output.objectStore.endpoint = "http://169.254.169.254";
        cluster.job(NS, "ssrf", spec);
        ProfilingJob job = reconcile(operator(store(Clock.systemUTC())), "ssrf");

        var ready = Conditions.find(job.getStatus().conditions, ProfilingJobStatus.READY)
                .orElseThrow();
        assertThat(ready.getStatus()).isEqualTo("False");
        assertThat(ready.getReason()).isEqualTo("ObjectStoreFieldsRefused");
        assertThat(ready.getMessage()).contains("set by the cluster admin");
    }

    @Test
    void theMergedSliceGoesToTheStoreAndTheStatusLinksItAndCountsTheNodes() throws Exception {
        cluster.job(NS, "archived", withStore("archive", "team-a"));
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        SliceStore store = store(Clock.fixed(now, ZoneOffset.UTC));
        ProfilingJobReconciler operator = operator(store);
        ProfilingJob job = reconcile(operator, "archived");
        Set<String> targets = Set.copyOf(job.getStatus().targetNodes);
        Instant start = now.minusSeconds(300);
        String slice = AgentContract.sliceLabel(start);
        store.accept(
                job,
                targets,
                IngestEndpointTest.withStacks(
                        IngestEndpointTest.report(job, "node-1", start, Cluster.podApp(a, 100)),
                        Map.of("java;main;work", 60L, "java;main;idle", 40L)));
        store.accept(
                job,
                targets,
                IngestEndpointTest.withStacks(
                        IngestEndpointTest.report(job, "node-2", start, Cluster.podApp(b, 50)),
                        Map.of("java;main;work", 50L)));
        reconcile(operator, "archived");
        assertThat(uploads.drain(Duration.ofSeconds(60))).isTrue();

        String base = "team-a/merged/" + NS + "/archived/" + slice;
        assertThat(s3.keys(BUCKET)).containsExactly(base + ".folded.gz", base + ".json");
        assertThat(gunzip(s3.read(BUCKET, base + ".folded.gz"))).isEqualTo("java;main;work 110\njava;main;idle 40\n");
        assertThat(new String(s3.read(BUCKET, base + ".json"), StandardCharsets.UTF_8))
                .contains("\"reportingNodes\":[\"node-1\",\"node-2\"]");

        // The nodes' own reports: node-1 uploaded, node-2 could not reach the store.
        JobKey key = new JobKey(
                NS, "archived", job.getMetadata().getUid(), job.getMetadata().getGeneration());
        String node1 = "s3://profiles/team-a/nodes/ab/" + NS + "/archived/" + slice + "/node-1.pprof";
        store.uploads().nodeReport(job, new NodeUploadReport(1, key, "node-1", slice, List.of(node1), null, null));
        store.uploads()
                .nodeReport(
                        job,
                        new NodeUploadReport(
                                1, key, "node-2", slice, List.of(), "ObjectStoreUnreachable", "connection refused"));
        job = reconcile(operator, "archived");

        ObjectStoreStatus status = job.getStatus().objectStore;
        assertThat(status.store).isEqualTo("archive");
        assertThat(status.location).isEqualTo("s3://profiles/team-a/");
        assertThat(status.slice).isEqualTo(slice);
        assertThat(status.mergedObjects)
                .containsExactly("s3://profiles/" + base + ".json", "s3://profiles/" + base + ".folded.gz");
        assertThat(status.mergedFailure).isNull();
        assertThat(status.nodesUploaded).isEqualTo(1);
        assertThat(status.nodesFailed).isEqualTo(1);
        assertThat(status.failedNodes).containsExactly("node-2: ObjectStoreUnreachable");
        assertThat(status.nodeObjects).containsExactly(node1);
        assertThat(status.failedUploads).isEqualTo(1);
        var uploaded = Conditions.find(job.getStatus().conditions, ProfilingJobStatus.UPLOADED)
                .orElseThrow();
        assertThat(uploaded.getStatus()).isEqualTo("False");
        assertThat(uploaded.getReason()).isEqualTo("ObjectStoreUnreachable");
    }

    @Test
    void theUploadStatusStaysBoundedWhateverTheNodeCount() {
        cluster.job(NS, "wide", withStore("archive", null));
        ProfilingJob job = cluster.get(NS, "wide");
        JobKey key = new JobKey(NS, "wide", job.getMetadata().getUid(), 1);
        for (int i = 0; i < 5_000; i++) {
            boolean fails = i % 2 == 0;
            uploads.nodeReport(
                    job,
                    new NodeUploadReport(
                            1,
                            key,
                            "node-" + i,
                            "20261126T120500Z",
                            fails ? List.of() : List.of("s3://profiles/x/node-" + i + ".pprof"),
                            fails ? "ObjectStoreAccessDenied" : null,
                            fails ? "denied" : null));
        }
        ObjectStoreStatus status = uploads.status(job);
        assertThat(status.nodesFailed).isEqualTo(2_500);
        assertThat(status.nodesUploaded).isEqualTo(2_500);
        assertThat(status.failedNodes).hasSize(ObjectStoreStatus.MAX_NAMES);
        assertThat(status.nodeObjects).hasSize(ObjectStoreStatus.MAX_NAMES);
        // A newer slice starts the counts again; the failures total keeps counting.
        uploads.nodeReport(
                job, new NodeUploadReport(1, key, "node-1", "20261126T121000Z", List.of("s3://p/k"), null, null));
        status = uploads.status(job);
        assertThat(status.slice).isEqualTo("20261126T121000Z");
        assertThat(status.nodesUploaded).isEqualTo(1);
        assertThat(status.nodesFailed).isZero();
        assertThat(status.failedUploads).isEqualTo(2_500);
    }

    @Test
    void theAgentDaemonSetGetsTheStoresAndMountsTheirSecretsFromTheOperatorsNamespace() {
        DaemonSet daemonSet = new AgentDaemonSet(
                        TestConfig.defaults().agent(),
                        TestConfig.OPERATOR_NAMESPACE,
                        List.of(),
                        definitions(),
                        Duration.ofSeconds(20))
                .desired();
        var pod = daemonSet.getSpec().getTemplate().getSpec();
        Volume volume = pod.getVolumes().stream()
                .filter(v -> v.getName().equals("store-archive"))
                .findFirst()
                .orElseThrow();
        assertThat(volume.getSecret().getSecretName()).isEqualTo("archive-credentials");
        assertThat(volume.getSecret().getItems())
                .extracting(i -> i.getKey() + "->" + i.getPath())
                .containsExactly("accessKeyId->accessKeyId", "secretAccessKey->secretAccessKey");
        assertThat(pod.getContainers().getFirst().getVolumeMounts())
                .anySatisfy(
                        m -> assertThat(m.getMountPath()).isEqualTo(ObjectStoreContract.CREDENTIALS_ROOT + "/archive"));
        Map<String, String> env = pod.getContainers().getFirst().getEnv().stream()
                .collect(java.util.stream.Collectors.toMap(EnvVar::getName, e -> String.valueOf(e.getValue())));
        assertThat(ObjectStoreDefinitions.parse(env.get(ObjectStoreContract.ENV_OBJECT_STORES))
                        .names())
                .containsExactly("archive");
        assertThat(env.get(ObjectStoreContract.ENV_OBJECT_STORES)).doesNotContain(LocalS3Server.SECRET_KEY);
        assertThat(env).containsEntry(ObjectStoreContract.ENV_UPLOAD_JITTER, "20000ms");
    }

    private ObjectStoreDefinitions definitions() {
        return ObjectStoreDefinitions.parse("[{\"name\":\"archive\",\"endpoint\":\"" + s3.endpoint()
                + "\",\"bucket\":\"" + BUCKET + "\",\"credentialsSecret\":\"archive-credentials\"}]");
    }

    private SliceStore store(Clock clock) {
        return new SliceStore(client, clock, uploads);
    }

    private ProfilingJobReconciler operator(SliceStore store) {
        return new ProfilingJobReconciler(client, TestConfig.defaults(), store);
    }

    private static ProfilingJobSpec withStore(String name, String prefix) {
        ProfilingJobSpec spec = Cluster.spec(Mode.GENERAL, Map.of("app", "a"));
        spec.output = new OutputSpec();
        spec.output.objectStore = new ObjectStoreSpec();
        spec.output.objectStore.name = name;
        spec.output.objectStore.prefix = prefix;
        return spec;
    }

    private ProfilingJob reconcile(ProfilingJobReconciler reconciler, String name) {
        reconciler.reconcile(cluster.get(NS, name));
        return cluster.get(NS, name);
    }

    private static String gunzip(byte[] bytes) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
