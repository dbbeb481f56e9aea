package dev.ebpf.profiling.operator.agents;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** AgentHealth's verdicts on agent pods as the kubelet and the DaemonSet controller leave them. */
class AgentHealthTest {

    static final Instant NOW = Instant.parse("2026-03-01T03:00:00Z");
    static final Duration GRACE = Duration.ofSeconds(60);
    /** Since when the nodes carry the agent label: long enough for any grace. */
    static final Map<String, Instant> LABELLED_LONG_AGO = Map.of(
            "node-1", NOW.minusSeconds(3600), "node-2", NOW.minusSeconds(3600), "node-3", NOW.minusSeconds(3600));

    @Test
    void anImagePullErrorIsAFailureAtOnce() {
        Pod pod = pod("node-1", "Pending", NOW.minusSeconds(5));
        pod.getStatus()
                .setContainerStatuses(List.of(new ContainerStatusBuilder()
                        .withName(AgentDaemonSet.CONTAINER)
                        .withNewState()
                        .withNewWaiting()
                        .withReason("ImagePullBackOff")
                        .withMessage("Back-off pulling image \"ghcr.io/ebpf-profiler/node-agent:9.9\"")
                        .endWaiting()
                        .endState()
                        .build()));

        AgentHealth.Verdict verdict = verdict(List.of("node-1"), List.of(pod), List.of());

        assertThat(verdict.ready()).isFalse();
        assertThat(verdict.failing()).isTrue();
        assertThat(verdict.reason()).isEqualTo(AgentHealth.NOT_STARTED);
        assertThat(verdict.message())
                .isEqualTo("1 of 1 target node has no running agent; node-1: ImagePullBackOff (Back-off pulling"
                        + " image \"ghcr.io/ebpf-profiler/node-agent:9.9\")");
    }

    @Test
    void anUnscheduledPodIsFoundByItsNodeAffinityAndWaitsOutTheGrace() {
        Pod pod = new PodBuilder(pod(null, "Pending", NOW.minusSeconds(90)))
                .editSpec()
                .withNewAffinity()
                .withNewNodeAffinity()
                .withNewRequiredDuringSchedulingIgnoredDuringExecution()
                .addNewNodeSelectorTerm()
                .addNewMatchField()
                .withKey("metadata.name")
                .withOperator("In")
                .withValues("node-2")
                .endMatchField()
                .endNodeSelectorTerm()
                .endRequiredDuringSchedulingIgnoredDuringExecution()
                .endNodeAffinity()
                .endAffinity()
                .endSpec()
                .editStatus()
                .addNewCondition()
                .withType("PodScheduled")
                .withStatus("False")
                .withReason("Unschedulable")
                .withMessage("0/3 nodes are available: 1 Insufficient memory.")
                .endCondition()
                .endStatus()
                .build();
        assertThat(AgentHealth.nodeOf(pod)).isEqualTo("node-2");

        AgentHealth.Verdict within = AgentHealth.of(
                new TreeSet<>(List.of("node-2")), List.of(pod), Map.of(), List::of, NOW.minusSeconds(60), GRACE);
        assertThat(within.reason()).isEqualTo(AgentHealth.STARTING);
        assertThat(within.failing()).isFalse();

        AgentHealth.Verdict past = verdict(List.of("node-2"), List.of(pod), List.of());
        assertThat(past.reason()).isEqualTo(AgentHealth.NOT_RUNNING);
        assertThat(past.message())
                .isEqualTo("1 of 1 target node has no running agent; node-2: Pending (Unschedulable: 0/3 nodes are"
                        + " available: 1 Insufficient memory.)");
    }

    @Test
    void theExampleIsTheWorstNodeAndTheCountIsEveryNodeWithoutAnAgent() {
        Pod running = pod("node-1", "Running", NOW.minusSeconds(600));
        Pod crashing = pod("node-3", "Running", NOW.minusSeconds(600));
        crashing.getStatus()
                .setContainerStatuses(List.of(new ContainerStatusBuilder()
                        .withName(AgentDaemonSet.CONTAINER)
                        .withRestartCount(1)
                        .withNewState()
                        .withNewWaiting()
                        .withReason("CrashLoopBackOff")
                        .endWaiting()
                        .endState()
                        .withNewLastState()
                        .withNewTerminated()
                        .withExitCode(137)
                        .withReason("OOMKilled")
                        .endTerminated()
                        .endLastState()
                        .build()));
        Event failedCreate = new EventBuilder()
                .withReason("FailedCreate")
                .withMessage("Error creating: pods \"a\" is forbidden: exceeded quota: agents")
                .withLastTimestamp(NOW.toString())
                .withNewMetadata()
                .endMetadata()
                .build();

        AgentHealth.Verdict verdict = AgentHealth.of(
                new TreeSet<>(List.of("node-1", "node-2", "node-3", "node-4")),
                List.of(running, crashing),
                Map.of(
                        "node-1",
                        NOW.minusSeconds(600),
                        "node-2",
                        NOW.minusSeconds(600),
                        "node-3",
                        NOW.minusSeconds(600),
                        "node-4",
                        NOW), // node-4 labelled just now: still within its grace
                () -> List.of(failedCreate),
                NOW,
                GRACE);

        assertThat(verdict.reason()).isEqualTo(AgentHealth.REFUSED);
        assertThat(verdict.message())
                .isEqualTo("3 of 4 target nodes have no running agent; node-2: FailedCreate: Error creating: pods"
                        + " \"a\" is forbidden: exceeded quota: agents");
        assertThat(verdict.recheckAfter()).as("node-4's grace").isEqualTo(Duration.ofSeconds(61));
    }

    @Test
    void aCrashLoopWithoutAMessageNamesTheExitReason() {
        Pod crashing = pod("node-1", "Running", NOW.minusSeconds(600));
        crashing.getStatus()
                .setContainerStatuses(List.of(new ContainerStatusBuilder()
                        .withName(AgentDaemonSet.CONTAINER)
                        .withRestartCount(1)
                        .withNewState()
                        .withNewWaiting()
                        .withReason("CrashLoopBackOff")
                        .endWaiting()
                        .endState()
                        .withNewLastState()
                        .withNewTerminated()
                        .withExitCode(137)
                        .withReason("OOMKilled")
                        .endTerminated()
                        .endLastState()
                        .build()));
        assertThat(verdict(List.of("node-1"), List.of(crashing), List.of()).message())
                .endsWith("node-1: CrashLoopBackOff (exit 137: OOMKilled), 1 restart");
    }

    @Test
    void anAgentThatExitedPastTheGraceSaysHowItEnded() {
        Pod ended = pod("node-1", "Running", NOW.minusSeconds(600));
        ended.getStatus()
                .setContainerStatuses(List.of(new ContainerStatusBuilder()
                        .withName(AgentDaemonSet.CONTAINER)
                        .withNewState()
                        .withNewTerminated()
                        .withExitCode(2)
                        .withMessage("BpfLoadException: perf_event_open: Permission denied")
                        .endTerminated()
                        .endState()
                        .build()));
        AgentHealth.Verdict verdict = verdict(List.of("node-1"), List.of(ended), List.of());
        assertThat(verdict.reason()).isEqualTo(AgentHealth.NOT_RUNNING);
        assertThat(verdict.message())
                .endsWith("node-1: Terminated (exit 2: BpfLoadException: perf_event_open: Permission denied)");
    }

    private static AgentHealth.Verdict verdict(List<String> targets, List<Pod> pods, List<Event> events) {
        return AgentHealth.of(new TreeSet<>(targets), pods, LABELLED_LONG_AGO, () -> events, NOW, GRACE);
    }

    private static Pod pod(String node, String phase, Instant created) {
        return new PodBuilder()
                .withNewMetadata()
                .withName("ebpf-profiler-agent-" + (node == null ? "x" : node))
                .withNamespace("profiling-system")
                .withCreationTimestamp(created.toString())
                .endMetadata()
                .withNewSpec()
                .withNodeName(node)
                .endSpec()
                .withNewStatus()
                .withPhase(phase)
                .endStatus()
                .build();
    }
}
