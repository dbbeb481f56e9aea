package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.api.job.ProfilingJob;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The jobs and this node's pods from two Fabric8 informers: ProfilingJobs of all namespaces, and
 * Pods with the field selector {@code spec.nodeName=<node>} (the agent never lists other nodes'
 * pods). Both are read-only: the agent's ClusterRole needs get/list/watch on them and nothing else.
 */
public final class InformerJobSource implements JobSource {

    private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(60);

    private final String node;
    private final SharedIndexInformer<ProfilingJob> jobs;
    private final SharedIndexInformer<Pod> pods;

    private InformerJobSource(String node, SharedIndexInformer<ProfilingJob> jobs, SharedIndexInformer<Pod> pods) {
        this.node = node;
        this.jobs = jobs;
        this.pods = pods;
    }

    /** Starts both informers and waits until each has listed once. */
    public static InformerJobSource start(KubernetesClient client, String node) {
        return start(client, node, true);
    }

    /**
     * @param nodeFieldSelector false only for API servers without the {@code spec.nodeName} field
     *                          selector (the Fabric8 mock server): then every pod is watched, and
     *                          {@link #podsOnNode()} keeps this node's (as it always does)
     */
    public static InformerJobSource start(KubernetesClient client, String node, boolean nodeFieldSelector) {
        SharedIndexInformer<ProfilingJob> jobs =
                client.resources(ProfilingJob.class).inAnyNamespace().runnableInformer(0);
        SharedIndexInformer<Pod> pods = nodeFieldSelector
                ? client.pods()
                        .inAnyNamespace()
                        .withField("spec.nodeName", node)
                        .runnableInformer(0)
                : client.pods().inAnyNamespace().runnableInformer(0);
        InformerJobSource source = new InformerJobSource(node, jobs, pods);
        try {
            jobs.start().toCompletableFuture().get(SYNC_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            pods.start().toCompletableFuture().get(SYNC_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            source.close();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException(
                    "cannot watch ProfilingJobs and the pods of node " + node + ": " + e.getMessage(), e);
        }
        return source;
    }

    @Override
    public List<ProfilingJob> jobs() {
        return jobs.getStore().list();
    }

    @Override
    public List<Pod> podsOnNode() {
        return pods.getStore().list().stream()
                .filter(pod ->
                        pod.getSpec() != null && node.equals(pod.getSpec().getNodeName()))
                .toList();
    }

    @Override
    public void close() {
        jobs.close();
        pods.close();
    }
}
