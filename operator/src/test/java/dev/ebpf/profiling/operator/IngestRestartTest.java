package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebpf.profiling.api.ingest.NodeSliceReport;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import dev.ebpf.profiling.operator.ingest.IngestRefusal;
import dev.ebpf.profiling.operator.ingest.ResultConfigMaps;
import dev.ebpf.profiling.operator.ingest.SliceStore;
import dev.ebpf.profiling.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pushed path with operators built by hand on the mock API server (CRUD mode): each operator is
 * a fresh reconciler with a fresh {@link SliceStore}, fed reports directly (the endpoint's checks are
 * {@link IngestEndpointTest}'s).
 */
@EnableKubernetesMockClient(crud = true)
class IngestRestartTest {

    static final String NS = "ingest-restart";

    KubernetesClient client;

    Cluster cluster;
    Pod a;
    Pod b;

    @BeforeEach
    void twoNodes() {
        cluster = new Cluster(client);
        cluster.node("node-1", 2);
        cluster.node("node-2", 2);
        a = cluster.pod(NS, "a", Map.of("app", "a"), "node-1");
        b = cluster.pod(NS, "b", Map.of("app", "a"), "node-2");
    }

    @Test
    void anOperatorRestartedMidSliceRebuildsItsClosedSlicesFromItsConfigMaps() {
        cluster.job(NS, "steady", Cluster.spec(Mode.GENERAL, Map.of("app", "a")));
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        SliceStore firstStore = new SliceStore(client, Clock.fixed(now, ZoneOffset.UTC));
        ProfilingJobReconciler first = new ProfilingJobReconciler(client, TestConfig.defaults(), firstStore);
        ProfilingJob job = reconcile(first);
        Set<String> targets = Set.copyOf(job.getStatus().targetNodes);

        Instant one = now.minusSeconds(330);
        firstStore.accept(job, targets, report(job, "node-1", one, a, 100));
        firstStore.accept(job, targets, report(job, "node-2", one, b, 50));
        job = reconcile(first);
        assertThat(job.getStatus().lastSlice.id).isEqualTo(AgentContract.sliceLabel(one));
        // Slice two: node-1 reports, then the operator goes away before node-2 does.
        Instant two = now.minusSeconds(30);
        firstStore.accept(job, targets, report(job, "node-1", two, a, 70));
        job = reconcile(first);
        assertThat(job.getStatus().completedSlices).isEqualTo(1);

        // The new operator's store starts empty, 2 minutes later: slice two's grace is over.
        SliceStore secondStore = new SliceStore(client, Clock.fixed(now.plusSeconds(120), ZoneOffset.UTC));
        ProfilingJobReconciler second = new ProfilingJobReconciler(client, TestConfig.defaults(), secondStore);
        ProfilingJob current = job;
        // What it wrote before is known: a late copy of slice one is refused, not a second slice.
        assertThatThrownBy(() -> secondStore.accept(current, targets, report(current, "node-2", one, b, 50)))
                .isInstanceOfSatisfying(
                        IngestRefusal.class, r -> assertThat(r.status()).isEqualTo(410));
        secondStore.accept(job, targets, report(job, "node-2", two, b, 40));
        job = reconcile(second);

        ProfilingJobStatus status = job.getStatus();
        assertThat(status.completedSlices).isEqualTo(2);
        assertThat(status.lastSlice.id).isEqualTo(AgentContract.sliceLabel(two));
        assertThat(status.reportingNodes).containsExactly("node-2");
        assertThat(status.nodes).isEqualTo("1/2");
        var degraded =
                Conditions.find(status.conditions, ProfilingJobStatus.DEGRADED).orElseThrow();
        assertThat(degraded.getMessage())
                .isEqualTo("slice " + AgentContract.sliceLabel(two) + " has no report from 1 node(s): node-1");
        assertThat(jobLevelResults())
                .extracting(c -> c.getMetadata().getName())
                .containsExactlyInAnyOrder(
                        AgentContract.jobResultName("steady", one), AgentContract.jobResultName("steady", two));

        // A third operator reads both back and changes nothing.
        SliceStore thirdStore = new SliceStore(client, Clock.fixed(now.plusSeconds(180), ZoneOffset.UTC));
        String before = job.getMetadata().getResourceVersion();
        job = reconcile(new ProfilingJobReconciler(client, TestConfig.defaults(), thirdStore));
        assertThat(job.getMetadata().getResourceVersion()).isEqualTo(before);
    }

    @Test
    void aResultTooBigForAConfigMapLosesItsColdestStacksAndSaysHowMany() {
        cluster.job(NS, "huge", Cluster.spec(Mode.GENERAL, Map.of("app", "a")));
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        SliceStore store = new SliceStore(client, Clock.fixed(now, ZoneOffset.UTC));
        ProfilingJobReconciler operator = new ProfilingJobReconciler(client, TestConfig.defaults(), store);
        ProfilingJob job = reconcile(operator);
        Set<String> targets = Set.copyOf(job.getStatus().targetNodes);

        // 2 x 2000 stacks of random frames, about 2.6 MB of folded text that gzip cannot shrink much.
        Random random = new Random(42);
        Instant start = now.minusSeconds(300);
        for (String node : List.of("node-1", "node-2")) {
            Map<String, Long> stacks = new HashMap<>();
            for (int i = 0; i < 2000; i++) {
                byte[] frames = new byte[320];
                random.nextBytes(frames);
                stacks.put("app;" + HexFormat.of().formatHex(frames), 1L + random.nextInt(1000));
            }
            NodeSliceReport r = report(job, node, start, node.equals("node-1") ? a : b, 100);
            store.accept(job, targets, IngestEndpointTest.withStacks(r, stacks));
        }
        reconcile(operator);

        ConfigMap result = jobLevelResults().getFirst();
        int size =
                io.fabric8.kubernetes.client.utils.Serialization.asJson(result).length();
        assertThat(size).isLessThan(AgentContract.RESULT_MAX_BYTES);
        long truncated =
                Long.parseLong(result.getMetadata().getAnnotations().get(AgentContract.ANNOTATION_TRUNCATED_STACKS));
        List<String> kept = Folded.lines(result, AgentContract.RESULT_ON_CPU_STACKS_KEY);
        assertThat(truncated).isPositive();
        assertThat(kept.size() + truncated).isEqualTo(4000);
        // Hottest first, cut at the cold end: what is left is the hottest.
        List<Long> counts = kept.stream()
                .map(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1)))
                .toList();
        assertThat(counts).isSortedAccordingTo(java.util.Comparator.reverseOrder());
        assertThat(ResultConfigMaps.read(result).slice().reportingNodes()).containsExactly("node-1", "node-2");
    }

    @Test
    void triggerWindowsCloseOnTheirOwnAndEachNodesWindowCounts() {
        cluster.job(NS, "fires", TriggerModeTest.triggerSpec(Map.of("app", "a")));
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        MovableClock clock = new MovableClock(now);
        SliceStore store = new SliceStore(client, clock);
        ProfilingJobReconciler operator = new ProfilingJobReconciler(client, TestConfig.defaults(), store);
        ProfilingJob job = reconcile(operator);
        Set<String> targets = Set.copyOf(job.getStatus().targetNodes);

        // Both nodes fire in the same second: one slice, two windows; no node is "missing".
        Instant fired = now.minusSeconds(31);
        store.accept(job, targets, report(job, "node-1", fired, a, 300));
        store.accept(job, targets, report(job, "node-2", fired, b, 100));
        job = reconcile(operator);
        assertThat(job.getStatus().lastSlice).as("settling").isNull();
        clock.now = now.plusSeconds(6);
        job = reconcile(operator);

        ProfilingJobStatus status = job.getStatus();
        assertThat(status.lastSlice.id).isEqualTo(AgentContract.sliceLabel(fired));
        assertThat(status.completedSlices).isEqualTo(2);
        assertThat(status.reportingNodes).containsExactly("node-1", "node-2");
        assertThat(Conditions.find(status.conditions, ProfilingJobStatus.DEGRADED)
                        .orElseThrow()
                        .getStatus())
                .isEqualTo("False");
    }

    /** A clock the test moves. */
    static final class MovableClock extends Clock {
        Instant now;

        MovableClock(Instant now) {
            this.now = now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private List<ConfigMap> jobLevelResults() {
        return client.configMaps().inNamespace(NS).list().getItems().stream()
                .filter(ResultConfigMaps::isJobLevel)
                .toList();
    }

    private NodeSliceReport report(ProfilingJob job, String node, Instant start, Pod pod, long samples) {
        return IngestEndpointTest.report(job, node, start, Cluster.podApp(pod, samples));
    }

    private ProfilingJob reconcile(ProfilingJobReconciler reconciler) {
        ProfilingJob current = client.resources(ProfilingJob.class)
                .inNamespace(NS)
                .list()
                .getItems()
                .getFirst();
        reconciler.reconcile(current);
        return cluster.get(NS, current.getMetadata().getName());
    }
}
