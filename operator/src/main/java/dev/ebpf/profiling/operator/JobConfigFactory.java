package dev.ebpf.profiling.operator;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.AgentJobConfig;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.ObjectStoreSpec;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import dev.ebpf.profiling.api.job.TriggerSpec;
import dev.ebpf.profiling.api.profile.ProfileJson;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Builds the job config the agents read (see {@link AgentJobConfig}) and the ConfigMap that carries it. */
public final class JobConfigFactory {

    private JobConfigFactory() {}

    public static AgentJobConfig config(ProfilingJob job, Targets targets) {
        ProfilingJobSpec spec = job.getSpec();
        List<AgentJobConfig.SelectedPod> pods = targets.pods().stream()
                .map(pod -> new AgentJobConfig.SelectedPod(
                        pod.getMetadata().getUid(),
                        pod.getMetadata().getNamespace(),
                        pod.getMetadata().getName(),
                        pod.getSpec().getNodeName()))
                .sorted(Comparator.comparing(AgentJobConfig.SelectedPod::node)
                        .thenComparing(AgentJobConfig.SelectedPod::name))
                .toList();
        Long interval = spec.mode == Mode.GENERAL
                ? SpecDuration.parse("interval", spec.effectiveInterval()).toSeconds()
                : null;
        return new AgentJobConfig(
                AgentJobConfig.SCHEMA_VERSION,
                new AgentJobConfig.JobRef(
                        job.getMetadata().getNamespace(),
                        job.getMetadata().getName(),
                        job.getMetadata().getUid()),
                spec.mode,
                spec.effectiveProfilers(),
                spec.effectiveFrequencyHz(),
                spec.cpus,
                SpecDuration.parse("duration", spec.effectiveDuration()).toSeconds(),
                interval,
                spec.runs,
                spec.effectiveTop(),
                spec.effectiveRetention(),
                spec.nodeWide(),
                pods,
                trigger(spec.trigger),
                objectStore(spec.output == null ? null : spec.output.objectStore));
    }

    public static ConfigMap configMap(ProfilingJob job, AgentJobConfig config) {
        String json;
        try {
            json = ProfileJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "cannot write the job config of " + job.getMetadata().getName(), e);
        }
        return new ConfigMapBuilder()
                .withNewMetadata()
                .withName(AgentContract.jobConfigName(job.getMetadata().getName()))
                .withNamespace(job.getMetadata().getNamespace())
                .withLabels(OwnedObjects.labels(job, AgentContract.COMPONENT_JOB_CONFIG))
                .withOwnerReferences(OwnedObjects.ownerReference(job))
                .endMetadata()
                .withData(Map.of(AgentContract.JOB_CONFIG_KEY, json))
                .build();
    }

    /** The store without its Secret: the agent reads the key pair from the files its pod mounts. */
    private static AgentJobConfig.ObjectStore objectStore(ObjectStoreSpec store) {
        if (store == null) {
            return null;
        }
        return new AgentJobConfig.ObjectStore(
                store.endpoint, store.bucket, store.effectivePrefix(), store.effectiveRegion());
    }

    private static AgentJobConfig.TriggerConfig trigger(TriggerSpec trigger) {
        if (trigger == null) {
            return null;
        }
        return new AgentJobConfig.TriggerConfig(
                trigger.metric,
                trigger.cpu,
                trigger.threshold,
                SpecDuration.parse("trigger.for", trigger.effectiveFor()).toSeconds(),
                SpecDuration.parse("trigger.cooldown", trigger.effectiveCooldown())
                        .toSeconds());
    }
}
