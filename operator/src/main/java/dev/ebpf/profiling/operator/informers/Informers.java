package dev.ebpf.profiling.operator.informers;

import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.operator.agents.AgentDaemonSet;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.javaoperatorsdk.operator.api.config.informer.InformerConfiguration;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import java.util.List;
import java.util.Set;

/**
 * The operator's informers besides the jobs', each one bounded so that its cache does not grow
 * with the cluster's workloads:
 *
 * <ul>
 *   <li>{@value #AGENT_PODS}: the agent pods, label-selected, in the operator's namespace only;
 *   <li>{@value #AGENT_DAEMON_SET}: the agent DaemonSet, likewise;
 *   <li>{@value #WORKLOAD_PODS}: the pods a job may select, only in the namespaces that have jobs
 *       (changed as jobs come and go), each kept slim ({@link Slim#pod}: names, labels, node,
 *       phase);
 *   <li>{@value #NODES}: the nodes (node-wide jobs follow them), kept slim ({@link Slim#node}), and
 *       only their arrival and removal start a reconcile, not the kubelets' status updates.
 * </ul>
 *
 * The result ConfigMaps have their own label-selected, slim informer ({@code ResultBudget}).
 */
public final class Informers {

    public static final String AGENT_PODS = "agent-pods";
    public static final String AGENT_DAEMON_SET = "agent-daemonset";
    public static final String WORKLOAD_PODS = "workload-pods";
    public static final String NODES = "nodes";

    private Informers() {}

    public static InformerEventSourceConfiguration<Pod> agentPods(
            String namespace, SecondaryToPrimaryMapper<Pod> jobs) {
        return InformerEventSourceConfiguration.from(Pod.class, ProfilingJob.class)
                .withName(AGENT_PODS)
                .withNamespaces(Set.of(namespace))
                .withFollowControllerNamespacesChanges(false)
                .withLabelSelector(AgentDaemonSet.podSelector())
                .withSecondaryToPrimaryMapper(jobs)
                .build();
    }

    public static InformerEventSourceConfiguration<DaemonSet> agentDaemonSet(
            String namespace, SecondaryToPrimaryMapper<DaemonSet> jobs) {
        return InformerEventSourceConfiguration.from(DaemonSet.class, ProfilingJob.class)
                .withName(AGENT_DAEMON_SET)
                .withNamespaces(Set.of(namespace))
                .withFollowControllerNamespacesChanges(false)
                .withLabelSelector(AgentDaemonSet.podSelector())
                .withSecondaryToPrimaryMapper(jobs)
                .build();
    }

    /**
     * Starts on {@code initialNamespace} (the operator's: a namespace must be named, and its agent
     * pods are never a workload); the reconciler moves it to the namespaces that have jobs.
     * Namespace changes are allowed only to informers that follow the controller's: the jobs'
     * controller watches every namespace and never changes, so only ours change it.
     */
    public static InformerEventSourceConfiguration<Pod> workloadPods(
            String initialNamespace, SecondaryToPrimaryMapper<Pod> jobs) {
        return InformerEventSourceConfiguration.from(Pod.class, ProfilingJob.class)
                .withName(WORKLOAD_PODS)
                .withNamespaces(Set.of(initialNamespace))
                .withFollowControllerNamespacesChanges(true)
                .withItemStore(new SlimItemStore<>(Slim::pod))
                .withSecondaryToPrimaryMapper(jobs)
                .build();
    }

    public static InformerEventSourceConfiguration<Node> nodes(SecondaryToPrimaryMapper<Node> jobs) {
        return InformerEventSourceConfiguration.from(Node.class, ProfilingJob.class)
                .withName(NODES)
                .withItemStore(new SlimItemStore<>(Slim::node))
                .withOnUpdateFilter((updated, old) -> false)
                .withSecondaryToPrimaryMapper(jobs)
                .build();
    }

    /**
     * Whether an informer's cache is bounded: it watches named namespaces, selects by label or
     * field, or keeps slim copies. The tests check every informer of the operator with it.
     */
    public static boolean bounded(InformerEventSourceConfiguration<?> source) {
        InformerConfiguration<?> informer = source.getInformerConfig();
        boolean namespaced =
                !informer.watchAllNamespaces() && !informer.getNamespaces().isEmpty();
        boolean selected = informer.getLabelSelector() != null
                || (informer.getFieldSelector() != null
                        && !informer.getFieldSelector().getFields().isEmpty());
        boolean slim = informer.getItemStore() instanceof SlimItemStore<?>;
        return namespaced || selected || slim;
    }

    /** Every informer configuration the reconciler builds (for the tests' inspection). */
    public static List<InformerEventSourceConfiguration<?>> all(String operatorNamespace) {
        return List.of(
                agentPods(operatorNamespace, pod -> Set.of()),
                agentDaemonSet(operatorNamespace, ds -> Set.of()),
                workloadPods(operatorNamespace, pod -> Set.of()),
                nodes(node -> Set.of()));
    }
}
