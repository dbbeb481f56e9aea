package dev.ebpf.profiling.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the API server's garbage collector does and the mock server does not: delete the pods and
 * ConfigMaps of a namespace whose controller owner no longer exists.
 */
final class OwnerGarbageCollector {

    private OwnerGarbageCollector() {}

    static void collect(KubernetesClient client, String namespace) {
        Set<String> liveJobs = new HashSet<>();
        client.resources(dev.ebpf.profiling.api.job.ProfilingJob.class)
                .inNamespace(namespace)
                .list()
                .getItems()
                .forEach(job -> liveJobs.add(job.getMetadata().getUid()));
        List<HasMetadata> candidates = new ArrayList<>();
        candidates.addAll(client.pods().inNamespace(namespace).list().getItems());
        candidates.addAll(client.configMaps().inNamespace(namespace).list().getItems());
        for (HasMetadata object : candidates) {
            List<OwnerReference> owners = object.getMetadata().getOwnerReferences();
            boolean orphaned = owners != null
                    && owners.stream()
                            .anyMatch(o -> Boolean.TRUE.equals(o.getController()) && !liveJobs.contains(o.getUid()));
            if (orphaned) {
                client.resource(object).delete();
            }
        }
    }
}
