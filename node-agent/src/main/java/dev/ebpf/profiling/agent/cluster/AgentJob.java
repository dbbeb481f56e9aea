package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.agent.sampler.Unwinding;
import dev.ebpf.profiling.api.ingest.JobKey;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.ObjectStoreSpec;
import dev.ebpf.profiling.api.job.Profiler;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import dev.ebpf.profiling.api.job.SpecFormats;
import dev.ebpf.profiling.api.job.TriggerSpec;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.time.Duration;
import java.time.Instant;

/**
 * A ProfilingJob as this node's agent runs it: the spec with its defaults applied and its durations
 * parsed, read from the job itself (never from anything a tenant could write for the agent).
 *
 * @param key         namespace, name, uid and the generation the operator accepted
 * @param mode        general, filter or trigger
 * @param offCpu      whether the job asks for off-CPU profiling too
 * @param netRx       whether the job asks for the net-rx profiler too
 * @param frequencyHz the on-CPU rate the job asks for (the node may sample at another: the highest of its jobs)
 * @param cpus        the job's CPU list, or null for every CPU
 * @param duration    the slice length (trigger mode: the window after a firing)
 * @param interval    general mode: the period between slice starts; else null
 * @param runs        slices to profile, then the job is done on this node; null for continuous
 * @param top         applications and hotspots per slice
 * @param selector    the pods of the job's namespace to profile; null for node-wide
 * @param trigger     trigger mode's spec; else null
 * @param acceptedAt  when the operator set Ready=True (the condition's transition time), or null
 * @param objectStore which of the admin's stores also gets the node's data, and the job's prefix; or null
 * @param unwinding   how the job asks for user stacks to be walked (the node's one sampler walks them
 *                    with DWARF while any of its jobs asks for it)
 */
public record AgentJob(
        JobKey key,
        Mode mode,
        boolean offCpu,
        boolean netRx,
        int frequencyHz,
        String cpus,
        Duration duration,
        Duration interval,
        Integer runs,
        int top,
        LabelSelector selector,
        TriggerSpec trigger,
        Instant acceptedAt,
        ObjectStoreSpec objectStore,
        Unwinding unwinding) {

    /**
     * The job as the agent runs it.
     *
     * @throws IllegalArgumentException when the spec cannot be run (the operator would not have accepted it)
     */
    public static AgentJob of(ProfilingJob job) {
        ProfilingJobSpec spec = job.getSpec();
        if (spec == null || spec.mode == null) {
            throw new IllegalArgumentException("it has no spec.mode");
        }
        Duration duration = SpecFormats.parseDuration("duration", spec.effectiveDuration());
        Duration interval =
                spec.mode == Mode.GENERAL ? SpecFormats.parseDuration("interval", spec.effectiveInterval()) : null;
        if (interval != null && interval.compareTo(duration) < 0) {
            throw new IllegalArgumentException("interval " + spec.effectiveInterval() + " is shorter than duration");
        }
        if (spec.mode == Mode.TRIGGER && spec.trigger == null) {
            throw new IllegalArgumentException("mode trigger without spec.trigger");
        }
        return new AgentJob(
                JobAcceptance.key(job),
                spec.mode,
                spec.effectiveProfilers().contains(Profiler.OFF_CPU),
                spec.effectiveProfilers().contains(Profiler.NET_RX),
                spec.effectiveFrequencyHz(),
                spec.cpus,
                duration,
                interval,
                spec.runs,
                spec.effectiveTop(),
                spec.selector,
                spec.trigger,
                JobAcceptance.acceptedAt(job),
                spec.output == null ? null : spec.output.objectStore,
                Unwinding.of(spec.effectiveUnwinding()));
    }

    /** A job with no selector profiles every process on the node. */
    public boolean nodeWide() {
        return selector == null;
    }

    /** {@code namespace/name}, for log lines. */
    public String displayName() {
        return key.namespace() + "/" + key.name();
    }
}
