package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.NodeTriggerState;
import dev.ebpf.profiling.api.job.TriggerStatus;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What TriggerReport makes of the agents' trigger states, without a cluster. */
class TriggerReportTest {

    static final Instant T0 = Instant.parse("2026-01-01T12:00:00Z");

    @Test
    void anUnreadableStateOrAFailedReadShowsAsTheNodesError() {
        var garbled = TriggerStateReader.parse(configMap("node-1", "{\"node\": "));
        var failing = TriggerStateReader.parse(configMap(
                "node-2",
                Cluster.toJson(new NodeTriggerState(
                        "node-2", "pod-cpu", 50, "Armed", null, T0, "no cgroup for pod web-0 yet", 0, List.of()))));

        assertThat(garbled.node()).as("from the node label").isEqualTo("node-1");
        assertThat(garbled.error())
                .startsWith("trigger-state ConfigMap job-trigger-node-1: trigger.json is not a NodeTriggerState")
                .doesNotContain("\n");
        assertThat(TriggerReport.armedNodes(List.of(garbled, failing), List.of("node-2", "node-1")))
                .extracting(a -> a.node + " " + a.phase + " " + a.value + " " + a.error)
                .containsExactly(
                        "node-1 Unknown null " + garbled.error(), "node-2 Armed null no cgroup for pod web-0 yet");
    }

    @Test
    void aStateWithoutItsKeyIsNamed() {
        ConfigMap empty = configMap("node-1", null);
        assertThat(TriggerStateReader.parse(empty).error())
                .isEqualTo("trigger-state ConfigMap job-trigger-node-1 lacks the key trigger.json");
    }

    @Test
    void newFiringsAreOldestFirstAndAFiringWithoutMessageStillSaysWhatFired() {
        var quiet = new NodeTriggerState.TriggerFiring(T0.plusSeconds(60), 91.5, T0, T0.plusSeconds(90), "r2", null);
        var loud = Cluster.firing("job", "node-1", T0, 85);
        var report = new TriggerStateReader.Report(
                "node-1", "cm", Cluster.triggerState("node-1", "Cooldown", 3.0, T0, List.of(loud, quiet)), null);

        List<TriggerStatus> fresh = TriggerReport.newFirings(List.of(report), null);
        assertThat(fresh)
                .extracting(t -> t.message)
                .containsExactly(
                        "Triggered: node-1 node-sys 85% > 80% for 5s", "Triggered: node-1 node-sys 91.5% > 80%");
        assertThat(TriggerReport.newFirings(List.of(report), TriggerReport.newestFirst(null, fresh)))
                .as("already recorded")
                .isEmpty();
    }

    private static ConfigMap configMap(String node, String json) {
        return new ConfigMapBuilder()
                .withNewMetadata()
                .withName(AgentContract.triggerStateName("job", node))
                .withLabels(Map.of(AgentContract.LABEL_NODE, node))
                .endMetadata()
                .withData(json == null ? Map.of() : Map.of(AgentContract.TRIGGER_STATE_KEY, json))
                .build();
    }
}
