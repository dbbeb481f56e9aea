package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.Profiler;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** ProfilingJobs and pods as the API server would give them to an agent. */
final class TestJobs {

    private TestJobs() {}

    /** A job spec: {@code selector} null for node-wide. */
    static ProfilingJobSpec spec(Mode mode, Map<String, String> selector, String duration) {
        ProfilingJobSpec spec = new ProfilingJobSpec();
        spec.mode = mode;
        spec.selector = selector == null
                ? null
                : new LabelSelectorBuilder().withMatchLabels(selector).build();
        spec.duration = duration;
        spec.profilers = List.of(Profiler.ON_CPU);
        return spec;
    }

    /** A job the operator accepted at {@code acceptedAt} (Ready=True, observedGeneration = generation). */
    static ProfilingJob accepted(String namespace, String name, ProfilingJobSpec spec, Instant acceptedAt) {
        ProfilingJob job = job(namespace, name, spec, 1);
        job.setStatus(status(1L, "True", acceptedAt));
        return job;
    }

    static ProfilingJob job(String namespace, String name, ProfilingJobSpec spec, long generation) {
        ProfilingJob job = new ProfilingJob();
        job.setMetadata(new ObjectMetaBuilder()
                .withNamespace(namespace)
                .withName(name)
                .withUid(UUID.randomUUID().toString())
                .withGeneration(generation)
                .build());
        job.setSpec(spec);
        return job;
    }

    static ProfilingJobStatus status(Long observedGeneration, String ready, Instant at) {
        ProfilingJobStatus status = new ProfilingJobStatus();
        status.observedGeneration = observedGeneration;
        Condition condition = new ConditionBuilder()
                .withType(ProfilingJobStatus.READY)
                .withStatus(ready)
                .withReason(ready.equals("True") ? "Accepted" : "SelectorMatchesNothing")
                .withLastTransitionTime(at.toString())
                .build();
        status.conditions = new java.util.ArrayList<>(List.of(condition));
        return status;
    }

    /** A pod on {@code node}; {@code containerId} (may be null) names its container "main" in the status. */
    static Pod pod(
            String namespace, String name, String uid, Map<String, String> labels, String node, String containerId) {
        PodBuilder pod = new PodBuilder()
                .withNewMetadata()
                .withNamespace(namespace)
                .withName(name)
                .withUid(uid)
                .withLabels(labels)
                .endMetadata()
                .withNewSpec()
                .withNodeName(node)
                .addNewContainer()
                .withName("main")
                .withImage("busybox")
                .endContainer()
                .endSpec();
        if (containerId != null) {
            pod.withNewStatus()
                    .withPhase("Running")
                    .addNewContainerStatus()
                    .withName("main")
                    .withContainerID("containerd://" + containerId)
                    .endContainerStatus()
                    .endStatus();
        }
        return pod.build();
    }
}
