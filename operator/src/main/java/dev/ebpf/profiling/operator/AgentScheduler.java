package dev.ebpf.profiling.operator;

import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.ProfilingJob;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Puts exactly one node agent on each target node of a job, and only there, with the job config
 * they read. Idempotent: names are derived from the job and the node, so a second run (or an
 * operator restart) finds what the first created and changes nothing.
 */
public final class AgentScheduler {

    /** What a pass changed, and the nodes that have an agent afterwards. */
    public record Outcome(SortedSet<String> agentNodes, int created, int removed) {
        public boolean changed() {
            return created > 0 || removed > 0;
        }
    }

    private final KubernetesClient client;
    private final AgentPodFactory pods;
    private final AgentRbac rbac;

    public AgentScheduler(KubernetesClient client, AgentPodFactory pods, AgentRbac rbac) {
        this.client = client;
        this.pods = pods;
        this.rbac = rbac;
    }

    public Outcome apply(ProfilingJob job, Targets targets) {
        String namespace = job.getMetadata().getNamespace();
        rbac.ensure(namespace);
        writeConfig(JobConfigFactory.configMap(job, JobConfigFactory.config(job, targets)));

        Map<String, Pod> existing = agentPods(job).stream()
                .collect(Collectors.toMap(p -> p.getMetadata().getName(), Function.identity()));
        int created = 0;
        int removed = 0;
        SortedSet<String> agentNodes = new TreeSet<>();
        for (String node : targets.nodes()) {
            Pod wanted = pods.pod(job, node);
            Pod found = existing.remove(wanted.getMetadata().getName());
            if (found != null && !replaceable(found, wanted, job)) {
                agentNodes.add(node);
                continue;
            }
            if (found != null) {
                delete(found);
                removed++;
            }
            if (create(wanted)) {
                created++;
                agentNodes.add(node);
            }
        }
        for (Pod stale : existing.values()) {
            delete(stale);
            removed++;
        }
        return new Outcome(agentNodes, created, removed);
    }

    /** Removes a job's agents and their config (a job that finished or was refused). Results stay. */
    public int removeAll(ProfilingJob job) {
        List<Pod> agents = agentPods(job);
        agents.forEach(this::delete);
        client.configMaps()
                .inNamespace(job.getMetadata().getNamespace())
                .withName(AgentContract.jobConfigName(job.getMetadata().getName()))
                .delete();
        return agents.size();
    }

    public List<Pod> agentPods(ProfilingJob job) {
        return client.pods()
                .inNamespace(job.getMetadata().getNamespace())
                .withLabels(OwnedObjects.selector(job, AgentContract.COMPONENT_AGENT))
                .list()
                .getItems();
    }

    /** A pod is replaced when its spec is outdated, or when it failed; a finished one-shot agent stays. */
    private static boolean replaceable(Pod found, Pod wanted, ProfilingJob job) {
        String phase = found.getStatus() == null ? null : found.getStatus().getPhase();
        if ("Succeeded".equals(phase) && job.getSpec().runs != null) {
            return false;
        }
        String foundHash = found.getMetadata().getAnnotations() == null
                ? null
                : found.getMetadata().getAnnotations().get(AgentPodFactory.ANNOTATION_SPEC_HASH);
        String wantedHash = wanted.getMetadata().getAnnotations().get(AgentPodFactory.ANNOTATION_SPEC_HASH);
        return !Objects.equals(foundHash, wantedHash) || "Failed".equals(phase) || "Succeeded".equals(phase);
    }

    private void writeConfig(ConfigMap wanted) {
        var resource = client.configMaps()
                .inNamespace(wanted.getMetadata().getNamespace())
                .withName(wanted.getMetadata().getName());
        ConfigMap found = resource.get();
        if (found == null) {
            client.resource(wanted).create();
        } else if (!Objects.equals(found.getData(), wanted.getData())) {
            resource.edit(cm -> {
                cm.setData(wanted.getData());
                return cm;
            });
        }
    }

    /** False when the old pod of that name is still terminating: the pod's delete event brings us back. */
    private boolean create(Pod pod) {
        try {
            client.resource(pod).create();
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                return false;
            }
            throw e;
        }
    }

    private void delete(Pod pod) {
        client.pods()
                .inNamespace(pod.getMetadata().getNamespace())
                .withName(pod.getMetadata().getName())
                .delete();
    }
}
