package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.ingest.NodeSliceReport;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import dev.ebpf.profiling.api.profile.Frame;
import dev.ebpf.profiling.api.profile.Hotspot;
import dev.ebpf.profiling.api.profile.Location;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.ProfileJson;
import dev.ebpf.profiling.operator.agents.AgentHealth;
import dev.ebpf.profiling.operator.ingest.ResultConfigMaps;
import dev.ebpf.profiling.operator.ingest.SliceStore;
import dev.ebpf.profiling.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The bounds of issue 10 on the mock API server (CRUD mode), with a reconciler built by hand and
 * fed reports directly: the status of a job on 5,000 nodes stays under 64 KiB, and
 * {@code completedSlices} counts every slice closed in one reconcile, also those the retention
 * pruned at once.
 */
@EnableKubernetesMockClient(crud = true)
class ScaleBoundsTest {

    static final int NODES = 5_000;
    static final int STATUS_MAX_BYTES = 64 * 1024;
    static final String NS = "scale";

    KubernetesClient client;

    @Test
    void theStatusOfAJobOn5000NodesStaysUnder64KiB() throws Exception {
        List<String> nodes = new ArrayList<>();
        for (int n = 0; n < NODES; n++) {
            nodes.add(String.format("node-%05d", n));
        }
        Cluster cluster = new Cluster(client);
        Map<String, Pod> pods = new java.util.concurrent.ConcurrentHashMap<>();
        // The setup's thousands of creates, 8 at once.
        BoundedParallel.forEach(nodes, 8, node -> {
            client.nodes()
                    .resource(new NodeBuilder()
                            .withNewMetadata()
                            .withName(node)
                            .endMetadata()
                            .withNewStatus()
                            .addToCapacity("cpu", new Quantity("2"))
                            .endStatus()
                            .build())
                    .create();
            pods.put(node, cluster.pod(NS, "web-" + node, Map.of("app", "web"), node));
        });
        ProfilingJobSpec spec = Cluster.spec(Mode.GENERAL, Map.of("app", "web"));
        spec.top = 100; // the most the spec allows: the top-K lists at their longest
        cluster.job(NS, "wide", spec);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        IngestRestartTest.MovableClock clock = new IngestRestartTest.MovableClock(now);
        SliceStore store = new SliceStore(client, clock);
        ProfilingJobReconciler reconciler = new ProfilingJobReconciler(client, TestConfig.defaults(), store, clock);
        ProfilingJob job = reconcile(reconciler);
        assertThat(job.getStatus().nodeCounts.target).isEqualTo(NODES);
        assertThat(job.getStatus().targetNodes).hasSize(ProfilingJobStatus.NODES_NAMED);

        // Every node but 15 reports; no agent pod runs anywhere (a DaemonSet that cannot start).
        Instant slice = now.minusSeconds(30);
        Set<String> targets = store.targets(job);
        for (String node : nodes.subList(15, NODES)) {
            store.accept(job, targets, withLongNames(report(job, node, slice, pods.get(node))));
        }
        clock.now = now.plusSeconds(120); // past the slice's and the agents' grace
        job = reconcile(reconciler);
        ProfilingJobStatus status = job.getStatus();

        String json = ProfileJson.mapper().writeValueAsString(status);
        int bytes = json.getBytes(StandardCharsets.UTF_8).length;
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/status-5000-nodes.txt"), Describe.status(job));
        System.out.printf("status of a job on %d nodes: %d bytes%n", NODES, bytes);
        assertThat(bytes).as("status bytes at %d nodes", NODES).isLessThan(STATUS_MAX_BYTES);
        assertThat(status.nodes).isEqualTo((NODES - 15) + "/" + NODES);
        assertThat(status.nodeCounts.target).isEqualTo(NODES);
        assertThat(status.nodeCounts.reporting).isEqualTo(NODES - 15);
        assertThat(status.nodeCounts.missing).isEqualTo(15);
        assertThat(status.nodeCounts.failing).isEqualTo(NODES);
        assertThat(status.missingNodes).containsExactlyElementsOf(nodes.subList(0, 10));
        assertThat(status.failingNodes).hasSize(ProfilingJobStatus.NODES_NAMED);
        assertThat(status.reportingNodes).hasSize(ProfilingJobStatus.NODES_NAMED);
        assertThat(status.lastSlice.nodeCount).isEqualTo(NODES - 15);
        assertThat(status.topApplications).hasSize(100);
        assertThat(status.hotspots)
                .hasSize(100)
                .allSatisfy(h -> assertThat(h.frame.length()).isLessThanOrEqualTo(256));
        assertThat(Conditions.find(status.conditions, ProfilingJobStatus.DEGRADED)
                        .orElseThrow()
                        .getMessage())
                .endsWith("node-00009 and 5 more");
        assertThat(Conditions.find(status.conditions, ProfilingJobStatus.AGENTS_READY)
                        .orElseThrow()
                        .getReason())
                .isEqualTo(AgentHealth.NOT_RUNNING);
        assertThat(status.conditions)
                .allSatisfy(
                        c -> assertThat(c.getMessage().length()).isLessThanOrEqualTo(ProfilingJobStatus.MESSAGE_MAX));
        // The per-node detail is in the result ConfigMap.
        ConfigMap result = client.configMaps()
                .inNamespace(NS)
                .withName(status.results.getFirst())
                .get();
        assertThat(ResultConfigMaps.read(result).nodes()).hasSize(NODES - 15);
    }

    @Test
    void completedSlicesCountsSlicesTheRetentionPrunedInTheSameReconcile() {
        Cluster cluster = new Cluster(client);
        cluster.node("node-1", 2);
        Pod pod = cluster.pod("retained", "a", Map.of("app", "a"), "node-1");
        ProfilingJobSpec spec = Cluster.spec(Mode.GENERAL, Map.of("app", "a"));
        spec.output = new dev.ebpf.profiling.api.job.OutputSpec();
        spec.output.retention = 1;
        cluster.job("retained", "one", spec);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        SliceStore store = new SliceStore(client, new IngestRestartTest.MovableClock(now));
        ProfilingJobReconciler reconciler = new ProfilingJobReconciler(
                client, TestConfig.defaults(), store, new IngestRestartTest.MovableClock(now));
        ProfilingJob job = reconcile(reconciler, "retained");
        Set<String> targets = store.targets(job);
        // Three slices close in one reconcile; the retention keeps one of them.
        for (int s = 3; s >= 1; s--) {
            store.accept(job, targets, report(job, "node-1", now.minusSeconds(30L * s), pod));
        }
        job = reconcile(reconciler, "retained");
        assertThat(job.getStatus().completedSlices).isEqualTo(3);
        assertThat(job.getStatus().lastSlice.id).isEqualTo(AgentContract.sliceLabel(now.minusSeconds(30)));
        assertThat(client.configMaps().inNamespace("retained").list().getItems().stream()
                        .filter(ResultConfigMaps::isJobLevel))
                .hasSize(1);
        // One more slice: counted once, not again with the pruned ones.
        store.accept(job, targets, report(job, "node-1", now, pod));
        job = reconcile(reconciler, "retained");
        assertThat(job.getStatus().completedSlices).isEqualTo(4);
    }

    /**
     * Hotspots whose frame names run to kilobytes (C++ templates), a different one on each node so
     * the top 100 are all long: the status keeps 256 characters of each.
     */
    private static NodeSliceReport withLongNames(NodeSliceReport report) {
        NodeProfile p = report.profile();
        String leaf = report.node() + "::" + "std::vector<std::map<int, std::string>>::".repeat(100) + "insert";
        Hotspot hotspot = new Hotspot(
                "main",
                50 + report.node().hashCode() % 40,
                0,
                0,
                Location.LIBRARY,
                null,
                List.of(new Frame(leaf, "x", Frame.Origin.LIBRARY), new Frame("main", "x", Frame.Origin.EXECUTABLE)));
        NodeProfile withHotspot = new NodeProfile(
                p.node(),
                p.event(),
                p.frequencyHz(),
                p.cpus(),
                p.start(),
                p.end(),
                p.durationSeconds(),
                p.totalSamples(),
                p.lostSamples(),
                p.lost(),
                p.topApplications(),
                List.of(hotspot),
                p.locationSplit(),
                null);
        Map<String, Long> stacks = new LinkedHashMap<>();
        stacks.put("main;" + leaf, 10L);
        return IngestEndpointTest.withStacks(
                new NodeSliceReport(
                        report.schemaVersion(),
                        report.job(),
                        report.node(),
                        report.sliceStart(),
                        report.sliceEnd(),
                        withHotspot,
                        Map.of(),
                        Map.of(),
                        0,
                        List.of(),
                        Map.of(),
                        List.of()),
                stacks);
    }

    private static NodeSliceReport report(ProfilingJob job, String node, Instant start, Pod pod) {
        return IngestEndpointTest.report(job, node, start, Cluster.podApp(pod, 100 + node.hashCode() % 50));
    }

    private ProfilingJob reconcile(ProfilingJobReconciler reconciler) {
        return reconcile(reconciler, NS);
    }

    private ProfilingJob reconcile(ProfilingJobReconciler reconciler, String namespace) {
        ProfilingJob current = client.resources(ProfilingJob.class)
                .inNamespace(namespace)
                .list()
                .getItems()
                .getFirst();
        reconciler.reconcile(current);
        return client.resources(ProfilingJob.class)
                .inNamespace(namespace)
                .withName(current.getMetadata().getName())
                .get();
    }
}
