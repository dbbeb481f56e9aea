package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.AgentJobConfig;
import dev.ebpf.profiling.api.job.ProfilingJob;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.Map;

/**
 * The labels and owner reference of what an agent writes for its job (result and trigger-state
 * ConfigMaps): the operator finds them by label, and deleting the job deletes them.
 */
final class JobOwnedObjects {

    private JobOwnedObjects() {}

    /** managed-by, job, component and node labels. */
    static Map<String, String> labels(AgentJobConfig config, String component, String node) {
        Map<String, String> labels = AgentContract.jobLabels(config.job().name(), component);
        labels.put(AgentContract.LABEL_NODE, AgentContract.labelValue(node));
        return labels;
    }

    /** The ProfilingJob as controller owner. */
    static OwnerReference owner(AgentJobConfig config) {
        return new OwnerReferenceBuilder()
                .withApiVersion(ProfilingJob.GROUP + "/" + ProfilingJob.VERSION)
                .withKind(ProfilingJob.KIND)
                .withName(config.job().name())
                .withUid(config.job().uid())
                .withController(true)
                .build();
    }
}
