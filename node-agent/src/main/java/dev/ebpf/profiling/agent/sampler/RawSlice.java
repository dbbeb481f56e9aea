package dev.ebpf.profiling.agent.sampler;

import dev.ebpf.profiling.agent.bpf.SamplingEvent;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything the kernel counted in one slice, before attribution and symbolization.
 *
 * @param event       the perf event that ran
 * @param frequencyHz samples per second per CPU
 * @param cpus        the CPUs sampled
 * @param start       when this slice's slot became active
 * @param end         when the next slot took over
 * @param durationNanos end minus start, from the monotonic clock
 * @param counts      samples per key
 * @param stacks      instruction pointers (leaf first) per stack id referenced by the keys
 * @param counters    per-slice counters, lost samples included
 * @param unwinding   how user stacks were walked; null when not all one way (a job's slice whose
 *                    window saw the node's sampler change its walk)
 */
public record RawSlice(
        SamplingEvent event,
        int frequencyHz,
        List<Integer> cpus,
        Instant start,
        Instant end,
        long durationNanos,
        Map<SampleKey, Long> counts,
        Map<Integer, long[]> stacks,
        SliceCounters counters,
        Unwinding unwinding) {

    /** A slice whose user stacks were walked by frame pointers. */
    public RawSlice(
            SamplingEvent event,
            int frequencyHz,
            List<Integer> cpus,
            Instant start,
            Instant end,
            long durationNanos,
            Map<SampleKey, Long> counts,
            Map<Integer, long[]> stacks,
            SliceCounters counters) {
        this(event, frequencyHz, cpus, start, end, durationNanos, counts, stacks, counters, Unwinding.FRAME_POINTERS);
    }

    /** As the output says it: dwarf, frame-pointers, or mixed (see {@code unwinding}). */
    public String unwindingLabel() {
        return unwinding == null ? dev.ebpf.profiling.api.profile.NodeProfile.UNWINDING_MIXED : unwinding.label();
    }

    public double durationSeconds() {
        return durationNanos / 1e9;
    }

    /** The samples a fully busy machine would give in this slice: frequency x seconds x CPUs. */
    public double possibleSamples() {
        return frequencyHz * durationSeconds() * cpus.size();
    }
}
