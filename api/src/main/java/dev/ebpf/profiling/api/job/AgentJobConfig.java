package dev.ebpf.profiling.api.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * What a node agent in cluster mode ({@code node-agent run}) does, as the operator writes it: JSON
 * (via {@code ProfileJson.mapper()}) under {@link AgentContract#JOB_CONFIG_KEY} in the job config
 * ConfigMap, mounted read-only at {@link AgentContract#JOB_CONFIG_MOUNT_PATH}. The operator rewrites
 * it when the selected pods change; the agent re-reads it at every slice.
 *
 * <p>Slices are aligned to the wall clock so that every node's slice has the same start: in general
 * mode a slice starts at each multiple of {@code intervalSeconds} since the epoch (UTC) and lasts
 * {@code durationSeconds}; in filter mode slices follow each other, starting at multiples of
 * {@code durationSeconds}; in trigger mode a slice starts when the trigger fires.
 *
 * @param schemaVersion   {@link #SCHEMA_VERSION}; an agent refuses another version with one clear line
 * @param job             the ProfilingJob; result ConfigMaps carry an owner reference to it
 * @param mode            general, trigger or filter
 * @param profilers       the samplers to run
 * @param frequencyHz     on-CPU samples per second per CPU
 * @param cpus            the CPU list to sample, or null for all CPUs
 * @param durationSeconds the slice length
 * @param intervalSeconds general mode: the period between slice starts; else null
 * @param runs            how many slices to profile before exiting 0; null for continuous
 * @param top             applications and hotspots to report per slice
 * @param retention       result ConfigMaps (slices) to keep per node; the agent deletes older ones
 * @param nodeWide        true: profile every process on the node; false: only {@code pods} on this node
 * @param pods            the selected pods on all target nodes; the agent filters to those whose
 *                        {@code node} is its own (env {@link AgentContract#ENV_NODE_NAME}) and
 *                        filters to their cgroups in the kernel
 * @param trigger         trigger mode's settings; else null
 * @param objectStore     where the agent also uploads each slice ({@code spec.output.objectStore}
 *                        without the Secret: the credentials are files the pod mounts at
 *                        {@link AgentContract#CREDENTIALS_MOUNT_PATH}); else null. Left out of the
 *                        JSON when null, so agents of the same schema without this field still read
 *                        jobs that do not upload, and refuse (unknown field) the jobs that do rather
 *                        than silently not upload.
 */
@JsonPropertyOrder({
    "schemaVersion",
    "job",
    "mode",
    "profilers",
    "frequencyHz",
    "cpus",
    "durationSeconds",
    "intervalSeconds",
    "runs",
    "top",
    "retention",
    "nodeWide",
    "pods",
    "trigger",
    "objectStore"
})
public record AgentJobConfig(
        int schemaVersion,
        JobRef job,
        Mode mode,
        List<Profiler> profilers,
        int frequencyHz,
        String cpus,
        long durationSeconds,
        Long intervalSeconds,
        Integer runs,
        int top,
        int retention,
        boolean nodeWide,
        List<SelectedPod> pods,
        TriggerConfig trigger,
        @JsonInclude(JsonInclude.Include.NON_NULL) ObjectStore objectStore) {

    public static final int SCHEMA_VERSION = 1;

    /** The ProfilingJob an agent works for. */
    public record JobRef(String namespace, String name, String uid) {}

    /** A selected pod and the node it runs on. */
    public record SelectedPod(String uid, String namespace, String name, String node) {}

    /** Trigger mode: fire when {@code metric} stays above {@code threshold} percent for {@code forSeconds}. */
    public record TriggerConfig(
            TriggerMetric metric, Integer cpu, double threshold, long forSeconds, long cooldownSeconds) {}

    /**
     * The object store of {@code spec.output.objectStore}, resolved (region and prefix defaulted).
     *
     * @param endpoint the S3 endpoint URL
     * @param bucket   an existing bucket
     * @param prefix   the key prefix; empty for none
     * @param region   the signing region
     */
    public record ObjectStore(String endpoint, String bucket, String prefix, String region) {}
}
