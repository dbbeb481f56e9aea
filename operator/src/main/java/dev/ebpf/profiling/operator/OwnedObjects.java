package dev.ebpf.profiling.operator;

import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.ProfilingJob;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.Map;

/** Labels and the owner reference every object the operator creates for a job carries. */
public final class OwnedObjects {

    private OwnedObjects() {}

    public static Map<String, String> labels(ProfilingJob job, String component) {
        return AgentContract.jobLabels(job.getMetadata().getName(), component);
    }

    /** The label selector of a job's objects of one component. */
    public static Map<String, String> selector(ProfilingJob job, String component) {
        return Map.of(
                AgentContract.LABEL_JOB,
                AgentContract.labelValue(job.getMetadata().getName()),
                AgentContract.LABEL_COMPONENT,
                component);
    }

    /** Deleting the job deletes what carries this (the garbage collector follows it). */
    public static OwnerReference ownerReference(ProfilingJob job) {
        return new OwnerReferenceBuilder()
                .withApiVersion(job.getApiVersion())
                .withKind(job.getKind())
                .withName(job.getMetadata().getName())
                .withUid(job.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }
}
