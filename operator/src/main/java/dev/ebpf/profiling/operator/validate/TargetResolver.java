package dev.ebpf.profiling.operator.validate;

import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.CpuList;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Resolves a job's selector to pods and their nodes (or, for a node-wide job, to every node), and
 * checks what only the cluster can tell: that the selector matches running pods and that the listed
 * CPUs exist on the target nodes.
 */
public final class TargetResolver {

    /** Either targets or a refusal. */
    public record Resolution(Targets targets, Refusal refusal) {
        static Resolution of(Targets targets) {
            return new Resolution(targets, null);
        }

        static Resolution refused(String reason, String message) {
            return new Resolution(null, new Refusal(reason, message));
        }
    }

    private final Function<String, List<Pod>> podsIn;
    private final Supplier<List<Node>> nodes;

    /** Reads the pods and nodes from the API server (tests without informers). */
    public TargetResolver(KubernetesClient client) {
        this(
                client,
                namespace -> client.pods().inNamespace(namespace).list().getItems(),
                () -> client.nodes().list().getItems());
    }

    /**
     * @param podsIn a namespace's pods (the reconciler's slim informer cache: name, labels, node and
     *               phase are all that is read)
     * @param nodes  the cluster's nodes (likewise: name and CPU capacity)
     */
    public TargetResolver(KubernetesClient client, Function<String, List<Pod>> podsIn, Supplier<List<Node>> nodes) {
        this.podsIn = podsIn;
        this.nodes = nodes;
    }

    public Resolution resolve(ProfilingJob job) {
        ProfilingJobSpec spec = job.getSpec();
        String namespace = job.getMetadata().getNamespace();
        List<Pod> pods = List.of();
        SortedSet<String> nodes = new TreeSet<>();
        if (spec.nodeWide()) {
            this.nodes.get().forEach(node -> nodes.add(node.getMetadata().getName()));
            if (nodes.isEmpty()) {
                return Resolution.refused("NoNodes", "the cluster has no nodes to profile");
            }
        } else {
            List<Pod> matching = podsIn.apply(namespace).stream()
                    .filter(TargetResolver::isWorkload)
                    .filter(pod -> LabelSelectors.matches(
                            spec.selector, pod.getMetadata().getLabels()))
                    .toList();
            String selector = LabelSelectors.describe(spec.selector);
            if (matching.isEmpty()) {
                return Resolution.refused(
                        "SelectorMatchesNothing",
                        "selector " + selector + " matches no running pod in namespace " + namespace);
            }
            pods = matching.stream()
                    .filter(pod -> pod.getSpec().getNodeName() != null)
                    .toList();
            if (pods.isEmpty()) {
                return Resolution.refused(
                        "PodsNotScheduled",
                        "selector " + selector + " matches " + matching.size() + " pod(s), none of them on a node yet");
            }
            pods.forEach(pod -> nodes.add(pod.getSpec().getNodeName()));
        }
        if (spec.cpus != null) {
            Refusal missingCpu = checkCpusExist(spec.cpus, nodes);
            if (missingCpu != null) {
                return new Resolution(null, missingCpu);
            }
        }
        return Resolution.of(new Targets(pods, nodes));
    }

    /** Pods that run a workload: alive, and not one of our own agents. */
    private static boolean isWorkload(Pod pod) {
        var labels = pod.getMetadata().getLabels();
        boolean ours = labels != null && AgentContract.MANAGED_BY.equals(labels.get(AgentContract.LABEL_MANAGED_BY));
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return !ours
                && pod.getMetadata().getDeletionTimestamp() == null
                && !"Succeeded".equals(phase)
                && !"Failed".equals(phase);
    }

    private Refusal checkCpusExist(String cpus, SortedSet<String> nodes) {
        int highest = CpuList.parse(cpus).cpus().getLast();
        Map<String, Node> byName = new HashMap<>();
        this.nodes.get().forEach(node -> byName.put(node.getMetadata().getName(), node));
        for (String name : nodes) {
            Node node = byName.get(name);
            Quantity capacity =
                    node == null || node.getStatus() == null || node.getStatus().getCapacity() == null
                            ? null
                            : node.getStatus().getCapacity().get("cpu");
            if (capacity != null) {
                int count = capacity.getNumericalAmount().intValue();
                if (highest >= count) {
                    return new Refusal(
                            "CpusNotOnNode",
                            "cpus " + cpus + ": node " + name + " has " + count + " CPUs (0-" + (count - 1) + ")");
                }
            }
        }
        return null;
    }
}
