package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.NodeTriggerState;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import dev.ebpf.profiling.operator.ingest.SliceStore;
import dev.ebpf.profiling.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An operator that stops mid-job and a new one that takes over: the new one must find what the
 * first created (no second DaemonSet, the same labelled nodes, no repeated Event, no trigger firing recorded twice) and count the
 * slices written while no operator ran (none lost). Each operator is a fresh reconciler on the same
 * mock API server.
 */
@EnableKubernetesMockClient(crud = true)
class OperatorRestartTest {

    static final String NS = "restart";
    static final String JOB = "spiky";
    static final Instant T0 = Instant.parse("2026-01-01T12:00:00Z");

    KubernetesClient client;

    Cluster cluster;
    Pod a;
    Pod b;

    /** Two nodes, one selected pod on each. */
    @BeforeEach
    void twoNodes() {
        cluster = new Cluster(client);
        cluster.node("node-1", 2);
        cluster.node("node-2", 2);
        a = cluster.pod(NS, "a", Map.of("app", "a"), "node-1");
        b = cluster.pod(NS, "b", Map.of("app", "a"), "node-2");
    }

    @Test
    void aNewOperatorDuplicatesNothingAndLosesNoSlice() {
        ProfilingJob job = cluster.job(NS, "long-runner", Cluster.spec(Mode.GENERAL, Map.of("app", "a")));

        ProfilingJobReconciler first = operator();
        reconcile(first);
        writeSlice(job, T0);
        reconcile(first);
        List<String> agentUids = agentUids();
        assertThat(agentUids).hasSize(3); // one DaemonSet, two labelled nodes
        assertThat(cluster.get(NS, "long-runner").getStatus().completedSlices).isEqualTo(1);

        // The first operator is gone; the agents keep two slices until a new one answers.
        ProfilingJobReconciler second = operator();
        writeSlice(job, T0.plusSeconds(300));
        writeSlice(job, T0.plusSeconds(600));
        reconcile(second);
        reconcile(second);

        ProfilingJob after = cluster.get(NS, "long-runner");
        assertThat(agentUids()).isEqualTo(agentUids);
        assertThat(after.getStatus().completedSlices).isEqualTo(3);
        assertThat(after.getStatus().lastSlice.id).isEqualTo(AgentContract.sliceLabel(T0.plusSeconds(600)));
        Agents.awaitEvents(
                client,
                NS,
                "long-runner",
                events -> assertThat(events)
                        .containsExactlyInAnyOrder(
                                "Normal Scheduled: Scheduled node agents on 2 nodes",
                                "Normal SliceCollected: Slice 12:00:00-12:00:30 collected from 2/2 nodes",
                                "Normal SliceCollected: Slice 12:10:00-12:10:30 collected from 2/2 nodes"));
        String version = reconcile(second);
        assertThat(reconcile(second)).as("an unchanged status is not written").isEqualTo(version);
    }

    /**
     * Trigger firings: which are new can only come from the stored status. Each gets one Event,
     * and status.triggers keeps the newest {@link ProfilingJobStatus#TRIGGERS_KEPT}.
     */
    @Test
    void eachTriggerFiringIsRecordedOnceAcrossRestartsAndTheListIsBounded() {
        ProfilingJob job = cluster.job(NS, JOB, TriggerModeTest.triggerSpec(Map.of("app", "a")));

        // node-1 fires three times; the first operator records them.
        List<NodeTriggerState.TriggerFiring> node1 = new ArrayList<>(firings("node-1", 0, 3));
        ProfilingJobReconciler first = operator();
        cluster.triggerState(job, Cluster.triggerState("node-1", "Cooldown", 10.0, T0.plusSeconds(3000), node1));
        reconcile(first, JOB);
        assertThat(cluster.get(NS, JOB).getStatus().triggers)
                .extracting(t -> t.node + "@" + t.time)
                .containsExactly("node-1@" + at(2), "node-1@" + at(1), "node-1@" + at(0));

        // A new operator; node-2 fired ten times since, later than node-1: node-1's firings leave the list.
        var node2 = firings("node-2", 10, 20);
        ProfilingJobReconciler second = operator();
        cluster.triggerState(job, Cluster.triggerState("node-2", "Cooldown", 10.0, T0.plusSeconds(3000), node2));
        reconcile(second, JOB);
        reconcile(second, JOB);
        assertThat(cluster.get(NS, JOB).getStatus().triggers)
                .hasSize(ProfilingJobStatus.TRIGGERS_KEPT)
                .allSatisfy(t -> assertThat(t.node).isEqualTo("node-2"))
                .first()
                .satisfies(t -> assertThat(t.time).isEqualTo(at(19).toString()));

        // Another new operator: node-1's old firings, no longer listed, are not news; its new one is.
        node1.add(Cluster.firing(JOB, "node-1", at(30), 99));
        ProfilingJobReconciler third = operator();
        cluster.triggerState(job, Cluster.triggerState("node-1", "Profiling", 99.0, at(30), node1));
        reconcile(third, JOB);
        reconcile(third, JOB);

        ProfilingJobStatus status = cluster.get(NS, JOB).getStatus();
        assertThat(status.triggers).hasSize(ProfilingJobStatus.TRIGGERS_KEPT);
        assertThat(status.triggers.getFirst().time).isEqualTo(at(30).toString());
        assertThat(status.triggers).filteredOn(t -> t.node.equals("node-2")).hasSize(9);
        assertThat(Conditions.find(status.conditions, ProfilingJobStatus.TRIGGERED)
                        .orElseThrow()
                        .getMessage())
                .isEqualTo("Triggered: node-1 node-sys 99% > 80% for 5s");
        List<String> expected = new ArrayList<>();
        expected.add("Normal Scheduled: Scheduled node agents on 2 nodes");
        IntStream.range(0, 3).forEach(i -> expected.add(event("node-1", i)));
        IntStream.range(10, 20).forEach(i -> expected.add(event("node-2", i)));
        expected.add("Normal Triggered: Triggered: node-1 node-sys 99% > 80% for 5s");
        Agents.awaitEvents(client, NS, JOB, events -> assertThat(events).containsExactlyInAnyOrderElementsOf(expected));
    }

    /** A new operator: its own empty store, which the agents' reports now go to. */
    private ProfilingJobReconciler operator() {
        SliceStore store = new SliceStore(client);
        cluster.pushTo(store);
        return new ProfilingJobReconciler(client, TestConfig.defaults(), store);
    }

    /** One reconcile of the job "long-runner"; returns its resourceVersion after it. */
    private String reconcile(ProfilingJobReconciler reconciler) {
        return reconcile(reconciler, "long-runner");
    }

    private String reconcile(ProfilingJobReconciler reconciler, String job) {
        ProfilingJob current = client.resources(ProfilingJob.class)
                .inNamespace(NS)
                .withName(job)
                .get();
        reconciler.reconcile(current);
        return client.resources(ProfilingJob.class)
                .inNamespace(NS)
                .withName(job)
                .get()
                .getMetadata()
                .getResourceVersion();
    }

    private void writeSlice(ProfilingJob job, Instant start) {
        cluster.result(job, Cluster.profile("node-1", start, List.of(Cluster.podApp(a, 100))));
        cluster.result(job, Cluster.profile("node-2", start, List.of(Cluster.podApp(b, 50))));
    }

    /** The agent DaemonSet's uid and the labelled nodes: a new operator must keep both. */
    private List<String> agentUids() {
        List<String> state = new ArrayList<>();
        Agents.daemonSets(client).forEach(ds -> state.add(ds.getMetadata().getUid()));
        state.addAll(Agents.labelledNodes(client));
        return state;
    }

    /** Firings number {@code from} to {@code to - 1}: firing i at T0 + i minutes, value 81 + i. */
    private static List<NodeTriggerState.TriggerFiring> firings(String node, int from, int to) {
        return IntStream.range(from, to)
                .mapToObj(i -> Cluster.firing(JOB, node, at(i), 81 + i))
                .toList();
    }

    private static Instant at(int i) {
        return T0.plusSeconds(60L * i);
    }

    private static String event(String node, int i) {
        return "Normal Triggered: Triggered: " + node + " node-sys " + (81 + i) + "% > 80% for 5s";
    }
}
