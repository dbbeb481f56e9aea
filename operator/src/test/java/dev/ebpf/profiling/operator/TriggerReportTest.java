package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.job.NodeTriggerState;
import dev.ebpf.profiling.api.job.TriggerStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What TriggerReport makes of the agents' trigger states, without a cluster. */
class TriggerReportTest {

    static final Instant T0 = Instant.parse("2026-01-01T12:00:00Z");

    @Test
    void aNodesStateErrorShowsAsItsError() {
        var failing = new TriggerReport.NodeState(
                "node-2",
                new NodeTriggerState(
                        "node-2", "pod-cpu", 50, "Armed", null, T0, "no cgroup for pod web-0 yet", 0, List.of()));

        assertThat(TriggerReport.armedNodes(List.of(failing), List.of("node-2", "node-1")))
                .extracting(a -> a.node + " " + a.phase + " " + a.value + " " + a.error)
                .containsExactly("node-1 Unknown null null", "node-2 Armed null no cgroup for pod web-0 yet");
    }

    @Test
    void newFiringsAreOldestFirstAndAFiringWithoutMessageStillSaysWhatFired() {
        var quiet = new NodeTriggerState.TriggerFiring(T0.plusSeconds(60), 91.5, T0, T0.plusSeconds(90), "r2", null);
        var loud = Cluster.firing("job", "node-1", T0, 85);
        var report = new TriggerReport.NodeState(
                "node-1", Cluster.triggerState("node-1", "Cooldown", 3.0, T0, List.of(loud, quiet)));

        List<TriggerStatus> fresh = TriggerReport.newFirings(List.of(report), null);
        assertThat(fresh)
                .extracting(t -> t.message)
                .containsExactly(
                        "Triggered: node-1 node-sys 85% > 80% for 5s", "Triggered: node-1 node-sys 91.5% > 80%");
        assertThat(TriggerReport.newFirings(List.of(report), TriggerReport.newestFirst(null, fresh)))
                .as("already recorded")
                .isEmpty();
    }
}
