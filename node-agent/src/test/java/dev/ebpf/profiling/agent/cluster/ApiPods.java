package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.agent.testsupport.PodCgroups;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;

/** Pods in the mock API server with real cgroups on this machine, as a node's agent would find them. */
final class ApiPods {

    private final KubernetesClient client;

    ApiPods(KubernetesClient client) {
        this.client = client;
    }

    /** A pod in the API; the mock server assigns its uid, which the pod's cgroups then take. */
    Pod create(String namespace, String name, String node) {
        Pod pod = new PodBuilder()
                .withNewMetadata()
                .withNamespace(namespace)
                .withName(name)
                .endMetadata()
                .withNewSpec()
                .withNodeName(node)
                .addNewContainer()
                .withName("main")
                .withImage("busybox")
                .endContainer()
                .endSpec()
                .build();
        // createOr: a retried POST (slow CI machine) must not fail on the pod its first try created.
        return client.pods().inNamespace(namespace).resource(pod).createOr(NonDeletingOperation::update);
    }

    /** Real cgroups for an API pod, and the pod's status naming its container by the cgroup's container id. */
    PodCgroups cgroupsFor(Pod pod) {
        PodCgroups cgroups = PodCgroups.builder()
                .podUid(pod.getMetadata().getUid())
                .container()
                .build();
        pod.setStatus(new PodStatusBuilder()
                .addNewContainerStatus()
                .withName("main")
                .withContainerID("containerd://" + cgroups.container(0).id())
                .endContainerStatus()
                .build());
        client.pods()
                .inNamespace(pod.getMetadata().getNamespace())
                .resource(pod)
                .updateStatus();
        return cgroups;
    }
}
