package dev.ebpf.profiling.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebpf.profiling.api.ingest.IngestContract;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the agent enforces by itself: namespace isolation, node-wide only where allowed, the rate cap. */
class NodePolicyTest {

    private static final Instant AT = Instant.parse("2026-12-01T10:00:00Z");

    private static AgentJob job(String namespace, Map<String, String> selector, int frequencyHz) {
        ProfilingJobSpec spec = TestJobs.spec(Mode.FILTER, selector, "10s");
        spec.frequencyHz = frequencyHz;
        return AgentJob.of(TestJobs.accepted(namespace, "j-" + namespace, spec, AT));
    }

    @Test
    void aJobNeverSeesAPodOfAnotherNamespaceEvenWithMatchingLabels() {
        List<Pod> pods = List.of(
                TestJobs.pod("web", "nginx", "uid-web", Map.of("app", "nginx"), "n1", null),
                TestJobs.pod("other", "nginx", "uid-other", Map.of("app", "nginx"), "n1", null),
                TestJobs.pod("web", "redis", "uid-redis", Map.of("app", "redis"), "n1", null));
        assertThat(NodePolicy.selectedPodUids(job("web", Map.of("app", "nginx"), 99), pods))
                .containsExactly("uid-web");
        assertThat(NodePolicy.selectedPodUids(job("other", Map.of("app", "nginx"), 99), pods))
                .containsExactly("uid-other");
        assertThat(NodePolicy.selectedPodUids(job("nobody", Map.of("app", "nginx"), 99), pods))
                .isEmpty();
    }

    @Test
    void finishedPodsAreNotSelectedAndExpressionsFollowKubernetes() {
        Pod done = TestJobs.pod("web", "batch", "uid-done", Map.of("app", "nginx"), "n1", "c1");
        done.getStatus().setPhase("Succeeded");
        assertThat(NodePolicy.selectedPodUids(job("web", Map.of("app", "nginx"), 99), List.of(done)))
                .isEmpty();

        var selector = new LabelSelectorBuilder()
                .withMatchExpressions(
                        new LabelSelectorRequirementBuilder()
                                .withKey("tier")
                                .withOperator("In")
                                .withValues("web", "api")
                                .build(),
                        new LabelSelectorRequirementBuilder()
                                .withKey("canary")
                                .withOperator("DoesNotExist")
                                .build())
                .build();
        assertThat(NodePolicy.matches(selector, Map.of("tier", "api"))).isTrue();
        assertThat(NodePolicy.matches(selector, Map.of("tier", "api", "canary", "yes")))
                .isFalse();
        assertThat(NodePolicy.matches(selector, Map.of("tier", "db"))).isFalse();
        assertThat(NodePolicy.matches(selector, null)).isFalse();
    }

    @Test
    void nodeWideOnlyForListedNamespaces() {
        NodePolicy policy =
                NodePolicy.fromEnvironment(Map.of(IngestContract.ENV_NODE_WIDE_NAMESPACES, " profiling-system , ops,"));
        assertThat(policy.nodeWideNamespaces()).containsExactlyInAnyOrder("profiling-system", "ops");
        assertThat(policy.refusal(job("ops", null, 99))).isEmpty();
        assertThat(policy.refusal(job("tenant", null, 99)))
                .hasValueSatisfying(reason ->
                        assertThat(reason).startsWith("node-wide profiling is not allowed in namespace tenant"));
        // A job with a selector may run in any namespace (it sees only its own pods).
        assertThat(policy.refusal(job("tenant", Map.of("app", "x"), 99))).isEmpty();
        // Nothing listed: no node-wide job anywhere.
        assertThat(NodePolicy.fromEnvironment(Map.of()).refusal(job("ops", null, 99)))
                .isPresent();
        assertThat(NodePolicy.selectedPodUids(job("ops", null, 99), List.of())).isEmpty();
    }

    @Test
    void theNodeSamplesAtTheHighestRateOfItsJobsCapped() {
        NodePolicy policy = NodePolicy.fromEnvironment(Map.of(IngestContract.ENV_MAX_FREQUENCY_HZ, "250"));
        assertThat(policy.nodeFrequencyHz(List.of(job("a", Map.of(), 49), job("b", Map.of(), 199))))
                .isEqualTo(199);
        assertThat(policy.nodeFrequencyHz(List.of(job("a", Map.of(), 49), job("b", Map.of(), 997))))
                .isEqualTo(250);
        assertThat(policy.nodeFrequencyHz(List.of())).isZero();
        assertThat(NodePolicy.fromEnvironment(Map.of()).maxFrequencyHz())
                .isEqualTo(NodePolicy.DEFAULT_MAX_FREQUENCY_HZ);
        assertThatThrownBy(() -> NodePolicy.fromEnvironment(Map.of(IngestContract.ENV_MAX_FREQUENCY_HZ, "fast")))
                .hasMessageContaining(IngestContract.ENV_MAX_FREQUENCY_HZ);
        assertThatThrownBy(() -> new NodePolicy(Set.of(), 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
