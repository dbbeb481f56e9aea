package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.ProfilingJob;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An operator that stops mid-job and a new one that takes over: the new one must find what the
 * first created (no second agent, no repeated Event) and count the slices written while no operator
 * ran (none lost). Each operator is a fresh reconciler on the same mock API server.
 */
@EnableKubernetesMockClient(crud = true)
class OperatorRestartTest {

    static final String NS = "restart";

    KubernetesClient client;

    @Test
    void aNewOperatorDuplicatesNothingAndLosesNoSlice() {
        Cluster cluster = new Cluster(client);
        cluster.node("node-1", 2);
        cluster.node("node-2", 2);
        Pod a = cluster.pod(NS, "a", Map.of("app", "a"), "node-1");
        Pod b = cluster.pod(NS, "b", Map.of("app", "a"), "node-2");
        ProfilingJob job = cluster.job(NS, "long-runner", Cluster.spec(Mode.GENERAL, Map.of("app", "a")));
        Instant t0 = Instant.parse("2026-01-01T12:00:00Z");

        ProfilingJobReconciler first = new ProfilingJobReconciler(client, TestConfig.defaults());
        reconcile(first);
        writeSlice(cluster, job, t0, a, b);
        reconcile(first);
        List<String> agentUids = agentUids();
        assertThat(agentUids).hasSize(2);
        assertThat(cluster.get(NS, "long-runner").getStatus().completedSlices).isEqualTo(1);

        // The first operator is gone; two slices arrive while none runs.
        writeSlice(cluster, job, t0.plusSeconds(300), a, b);
        writeSlice(cluster, job, t0.plusSeconds(600), a, b);

        ProfilingJobReconciler second = new ProfilingJobReconciler(client, TestConfig.defaults());
        reconcile(second);
        reconcile(second);

        ProfilingJob after = cluster.get(NS, "long-runner");
        assertThat(agentUids()).isEqualTo(agentUids);
        assertThat(after.getStatus().completedSlices).isEqualTo(3);
        assertThat(after.getStatus().lastSlice.id).isEqualTo(AgentContract.sliceLabel(t0.plusSeconds(600)));
        Agents.awaitEvents(client, NS, "long-runner", events -> assertThat(events).containsExactlyInAnyOrder(
                "Normal Scheduled: Scheduled node agents on 2 nodes",
                "Normal SliceCollected: Slice 12:00:00-12:00:30 collected from 2/2 nodes",
                "Normal SliceCollected: Slice 12:10:00-12:10:30 collected from 2/2 nodes"));
        String version = reconcile(second);
        assertThat(reconcile(second)).as("an unchanged status is not written").isEqualTo(version);
    }

    /** One reconcile; returns the job's resourceVersion after it. */
    private String reconcile(ProfilingJobReconciler reconciler) {
        reconciler.reconcile(client.resources(ProfilingJob.class).inNamespace(NS).withName("long-runner").get(), null);
        return client.resources(ProfilingJob.class).inNamespace(NS).withName("long-runner").get()
                .getMetadata().getResourceVersion();
    }

    private void writeSlice(Cluster cluster, ProfilingJob job, Instant start, Pod a, Pod b) {
        cluster.result(job, Cluster.profile("node-1", start, List.of(Cluster.podApp(a, 100))));
        cluster.result(job, Cluster.profile("node-2", start, List.of(Cluster.podApp(b, 50))));
    }

    private List<String> agentUids() {
        return Agents.of(client, NS).stream().map(p -> p.getMetadata().getUid()).sorted().toList();
    }
}
