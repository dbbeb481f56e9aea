package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.api.ingest.IngestContract;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the agent enforces on its own, whatever a job says: a job sees only pods of its own
 * namespace, node-wide profiling is only for the namespaces the admin listed
 * ({@link IngestContract#ENV_NODE_WIDE_NAMESPACES}), and the node samples at most at
 * {@link IngestContract#ENV_MAX_FREQUENCY_HZ}.
 *
 * @param nodeWideNamespaces namespaces whose jobs may profile every process on the node
 * @param maxFrequencyHz     the highest on-CPU rate the node samples at
 */
public record NodePolicy(Set<String> nodeWideNamespaces, int maxFrequencyHz) {

    /** Without {@link IngestContract#ENV_MAX_FREQUENCY_HZ}: the spec's own upper bound. */
    public static final int DEFAULT_MAX_FREQUENCY_HZ = 1000;

    public NodePolicy {
        nodeWideNamespaces = Set.copyOf(nodeWideNamespaces);
        if (maxFrequencyHz < 1) {
            throw new IllegalArgumentException(
                    IngestContract.ENV_MAX_FREQUENCY_HZ + " must be at least 1, not " + maxFrequencyHz);
        }
    }

    /** From the agent's environment (the DaemonSet's, which tenants cannot write). */
    public static NodePolicy fromEnvironment(Map<String, String> env) {
        String namespaces = env.getOrDefault(IngestContract.ENV_NODE_WIDE_NAMESPACES, "");
        String max = env.get(IngestContract.ENV_MAX_FREQUENCY_HZ);
        int maxHz;
        try {
            maxHz = max == null || max.isBlank() ? DEFAULT_MAX_FREQUENCY_HZ : Integer.parseInt(max.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    IngestContract.ENV_MAX_FREQUENCY_HZ + " must be a whole number of Hz, not '" + max + "'");
        }
        return new NodePolicy(
                Arrays.stream(namespaces.split(","))
                        .map(String::strip)
                        .filter(s -> !s.isEmpty())
                        .collect(Collectors.toSet()),
                maxHz);
    }

    /** Why this node refuses the job, or empty when it may run. */
    public Optional<String> refusal(AgentJob job) {
        if (job.nodeWide() && !nodeWideNamespaces.contains(job.key().namespace())) {
            return Optional.of("node-wide profiling is not allowed in namespace "
                    + job.key().namespace() + " (" + IngestContract.ENV_NODE_WIDE_NAMESPACES + " lists "
                    + nodeWideNamespaces + ")");
        }
        return Optional.empty();
    }

    /** A rate a job asks for, capped at the node's highest. */
    public int capped(int frequencyHz) {
        return Math.min(frequencyHz, maxFrequencyHz);
    }

    /** The rate the node samples at: the highest its jobs ask for, capped; 0 without jobs. */
    public int nodeFrequencyHz(Collection<AgentJob> jobs) {
        return jobs.stream()
                .mapToInt(AgentJob::frequencyHz)
                .map(hz -> Math.min(hz, maxFrequencyHz))
                .max()
                .orElse(0);
    }

    /**
     * The UIDs of the job's pods among {@code podsOnNode}: pods of the job's own namespace whose
     * labels match its selector, never a pod of another namespace (whatever its labels). A node-wide
     * job selects no pods (it counts every process).
     */
    public static Set<String> selectedPodUids(AgentJob job, Collection<Pod> podsOnNode) {
        if (job.nodeWide()) {
            return Set.of();
        }
        return podsOnNode.stream()
                .filter(pod -> pod.getMetadata() != null
                        && job.key().namespace().equals(pod.getMetadata().getNamespace()))
                .filter(pod -> !finished(pod))
                .filter(pod -> matches(job.selector(), pod.getMetadata().getLabels()))
                .map(pod -> pod.getMetadata().getUid())
                .collect(Collectors.toSet());
    }

    private static boolean finished(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    /** Kubernetes label selector semantics: every matchLabels entry and every expression must hold. */
    public static boolean matches(LabelSelector selector, Map<String, String> labels) {
        Map<String, String> have = labels == null ? Map.of() : labels;
        if (selector.getMatchLabels() != null) {
            for (Map.Entry<String, String> wanted : selector.getMatchLabels().entrySet()) {
                if (!wanted.getValue().equals(have.get(wanted.getKey()))) {
                    return false;
                }
            }
        }
        if (selector.getMatchExpressions() != null) {
            for (LabelSelectorRequirement requirement : selector.getMatchExpressions()) {
                if (!holds(requirement, have)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean holds(LabelSelectorRequirement requirement, Map<String, String> labels) {
        String value = labels.get(requirement.getKey());
        List<String> values = requirement.getValues() == null ? List.of() : requirement.getValues();
        return switch (requirement.getOperator()) {
            case "In" -> value != null && values.contains(value);
            case "NotIn" -> value == null || !values.contains(value);
            case "Exists" -> labels.containsKey(requirement.getKey());
            case "DoesNotExist" -> !labels.containsKey(requirement.getKey());
            default -> false; // an operator this agent does not know selects nothing
        };
    }
}
