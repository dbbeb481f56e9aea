package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.testsupport.TestTags;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.OutputSpec;
import dev.ebpf.profiling.api.job.Phase;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import dev.ebpf.profiling.api.job.TriggerMetric;
import dev.ebpf.profiling.api.job.TriggerSpec;
import dev.ebpf.profiling.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Trigger mode on the running operator: a fake agent per node writes its trigger-state ConfigMap
 * and, after a firing, the window's result, as {@code node-agent run} does (layout in AgentContract).
 */
@QuarkusTest
@Tag(TestTags.SLOW)
class TriggerModeTest extends ThreeNodeClusterTest {

    static ProfilingJobSpec triggerSpec(Map<String, String> selector) {
        ProfilingJobSpec spec = Cluster.spec(Mode.TRIGGER, selector);
        spec.trigger = new TriggerSpec();
        spec.trigger.metric = TriggerMetric.NODE_SYS;
        spec.trigger.threshold = 80.0;
        return spec;
    }

    @Test
    void anArmedTriggerShowsEachNodesValueThenAFiringIsRecordedOnceAndItsWindowIsTheLastSlice() {
        String ns = "trigger-fire";
        String name = "sys-spike";
        cluster.pod(ns, "a", Map.of("app", "a"), "node-1");
        cluster.pod(ns, "b", Map.of("app", "a"), "node-2");
        Pod c = cluster.pod(ns, "c", Map.of("app", "a"), "node-3");
        ProfilingJob job = cluster.job(ns, name, triggerSpec(Map.of("app", "a")));
        ProfilingJob scheduled = cluster.awaitCondition(ns, name, ProfilingJobStatus.SCHEDULED, "True");
        assertThat(condition(scheduled).getReason()).isEqualTo(TriggerReport.REASON_WAITING);
        assertThat(scheduled.getStatus().armedNodes)
                .extracting(a -> a.node + " " + a.phase)
                .containsExactly("node-1 Unknown", "node-2 Unknown", "node-3 Unknown");

        // Two agents armed; the third has not reported yet.
        Instant read = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        cluster.triggerState(job, Cluster.triggerState("node-1", "Armed", 12.5, read, List.of()));
        cluster.triggerState(job, Cluster.triggerState("node-2", "AboveThreshold", 85.0, read, List.of()));
        ProfilingJob armed = cluster.await(
                ns,
                name,
                j -> "Armed".equals(condition(j).getReason())
                        && j.getStatus().armedNodes.get(0).value != null
                        && j.getStatus().armedNodes.get(1).value != null);
        assertThat(condition(armed).getStatus()).isEqualTo("False");
        assertThat(condition(armed).getMessage())
                .isEqualTo("armed on 2/3 node(s), none fired yet: fires when node-sys stays above 80% for 5s");
        assertThat(armed.getStatus().armedNodes)
                .extracting(a -> a.node + " " + a.phase + " " + a.metric + " " + a.value + " " + a.readAt)
                .containsExactly(
                        "node-1 Armed node-sys 12.5 " + read,
                        "node-2 AboveThreshold node-sys 85.0 " + read,
                        "node-3 Unknown null null null");
        assertThat(armed.getStatus().triggers).isEmpty();
        assertThat(armed.getStatus().phase).isEqualTo(Phase.SCHEDULED);

        // node-3 fires: the agent writes its state at once, the window's result 30 s later.
        Instant at = read.minusSeconds(40);
        var fired = Cluster.firing(name, "node-3", at, 87);
        cluster.triggerState(job, Cluster.triggerState("node-3", "Profiling", 87.0, read, List.of(fired)));
        ProfilingJob triggered = cluster.awaitCondition(ns, name, ProfilingJobStatus.TRIGGERED, "True");
        assertThat(condition(triggered).getMessage()).isEqualTo("Triggered: node-3 node-sys 87% > 80% for 5s");
        assertThat(triggered.getStatus().triggers).singleElement().satisfies(t -> {
            assertThat(t.node).isEqualTo("node-3");
            assertThat(t.metric).isEqualTo("node-sys");
            assertThat(t.value).isEqualTo(87.0);
            assertThat(t.threshold).isEqualTo(80.0);
            assertThat(t.time).isEqualTo(at.toString());
            assertThat(t.result).isEqualTo(AgentContract.jobResultName(name, at));
        });
        Agents.awaitEvents(
                client,
                ns,
                name,
                events -> assertThat(events).contains("Normal Triggered: Triggered: node-3 node-sys 87% > 80% for 5s"));

        // The window's result: one node's, complete by itself; no other node is missing from it.
        cluster.result(job, Cluster.profile("node-3", at, List.of(Cluster.podApp(c, 2970))));
        ProfilingJob profiled = cluster.await(ns, name, j -> j.getStatus().lastSlice != null);
        ProfilingJobStatus status = profiled.getStatus();
        assertThat(status.lastSlice.id).isEqualTo(AgentContract.sliceLabel(at));
        assertThat(status.reportingNodes).containsExactly("node-3");
        assertThat(status.topApplications)
                .extracting(a -> a.name + " " + a.cpuPercent)
                .containsExactly("trigger-fire/c (main) 50.0");
        assertThat(status.completedSlices).isEqualTo(1);
        assertThat(status.phase).isEqualTo(Phase.PROFILING);
        Condition degraded =
                Conditions.find(status.conditions, ProfilingJobStatus.DEGRADED).orElseThrow();
        assertThat(degraded.getStatus())
                .as(degraded.getReason() + ": " + degraded.getMessage())
                .isEqualTo("False");

        // The agent refreshes its state (cooldown now, a new value): the status follows, the firing is not repeated.
        Instant later = read.plusSeconds(30);
        cluster.triggerState(job, Cluster.triggerState("node-3", "Cooldown", 20.0, later, List.of(fired)));
        ProfilingJob refreshed = cluster.await(
                ns, name, j -> "Cooldown".equals(j.getStatus().armedNodes.get(2).phase));
        assertThat(refreshed.getStatus().armedNodes.get(2).readAt).isEqualTo(later.toString());
        assertThat(refreshed.getStatus().triggers).hasSize(1);
        Agents.awaitEvents(
                client,
                ns,
                name,
                events -> assertThat(events)
                        .filteredOn(e -> e.startsWith("Normal Triggered:"))
                        .hasSize(1));
    }

    @Test
    void twoNodesFiringInTheSameSecondCountTwoWindowsInOneResult() {
        String ns = "trigger-twice";
        String name = "both";
        Pod a = cluster.pod(ns, "a", Map.of("app", "a"), "node-1");
        Pod b = cluster.pod(ns, "b", Map.of("app", "a"), "node-2");
        ProfilingJobSpec spec = triggerSpec(Map.of("app", "a"));
        spec.output = new OutputSpec();
        spec.output.retention = 1;
        ProfilingJob job = cluster.job(ns, name, spec);
        cluster.awaitCondition(ns, name, ProfilingJobStatus.SCHEDULED, "True");

        Instant first = Instant.parse("2026-01-01T12:00:00Z");
        Instant second = first.plusSeconds(600);
        cluster.result(job, Cluster.profile("node-1", first, List.of(Cluster.podApp(a, 100))));
        cluster.await(ns, name, j -> j.getStatus().completedSlices != null && j.getStatus().completedSlices == 1);
        cluster.result(job, Cluster.profile("node-2", second, List.of(Cluster.podApp(b, 100))));
        cluster.result(job, Cluster.profile("node-1", second, List.of(Cluster.podApp(a, 300))));

        ProfilingJob merged = cluster.await(
                ns, name, j -> j.getStatus().completedSlices != null && j.getStatus().completedSlices == 3);
        assertThat(merged.getStatus().lastSlice.id).isEqualTo(AgentContract.sliceLabel(second));
        assertThat(merged.getStatus().reportingNodes).containsExactly("node-1", "node-2");
        assertThat(merged.getStatus().nodes).isEqualTo("2/2");
        // Retention 1: the older window's result goes; the newer one holds both nodes' windows.
        Awaitility.await()
                .atMost(Cluster.WAIT)
                .untilAsserted(() -> assertThat(client.configMaps()
                                .inNamespace(ns)
                                .withLabel(AgentContract.LABEL_COMPONENT, AgentContract.COMPONENT_RESULT)
                                .list()
                                .getItems())
                        .extracting(cm -> cm.getMetadata().getName())
                        .containsExactly(AgentContract.jobResultName(name, second)));
    }

    @Test
    void aJobThatLeavesTriggerModeDropsItsTriggerStatus() {
        String ns = "trigger-leave";
        cluster.pod(ns, "a", Map.of("app", "a"), "node-1");
        cluster.job(ns, "switch", triggerSpec(Map.of("app", "a")));
        cluster.await(ns, "switch", j -> j.getStatus() != null && j.getStatus().armedNodes != null);

        ProfilingJob job = cluster.get(ns, "switch");
        job.getSpec().mode = Mode.GENERAL;
        job.getSpec().trigger = null;
        client.resource(job).update();

        ProfilingJob general = cluster.await(ns, "switch", j -> j.getStatus().armedNodes == null);
        assertThat(general.getStatus().triggers).isNull();
        assertThat(Conditions.find(general.getStatus().conditions, ProfilingJobStatus.TRIGGERED))
                .isEmpty();
    }

    private static Condition condition(ProfilingJob job) {
        return job.getStatus() == null
                ? new Condition()
                : Conditions.find(job.getStatus().conditions, ProfilingJobStatus.TRIGGERED)
                        .orElse(new Condition());
    }
}
