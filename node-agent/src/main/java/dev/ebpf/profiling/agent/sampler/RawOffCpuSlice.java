package dev.ebpf.profiling.agent.sampler;

import java.time.Instant;
import java.util.Map;

/**
 * The off-CPU time the kernel counted in one slice, before attribution and symbolization.
 *
 * <p>A block is counted in the slice in which the task switched back in, except that a block still
 * going on at the slice's end is counted up to the end here and from there on in later slices
 * (see {@link OffCpuSampler}); so a task blocked through a whole slice shows about the whole slice.
 *
 * @param start         when this slice's slot became active
 * @param end           when the next slot took over
 * @param durationNanos end minus start, from the monotonic clock
 * @param blocked       off-CPU time per key
 * @param stacks        instruction pointers (leaf first) per stack id the keys use; ids are this slice's own
 * @param counters      per-slice counters, lost events included
 */
public record RawOffCpuSlice(
        Instant start,
        Instant end,
        long durationNanos,
        Map<OffCpuKey, BlockedTime> blocked,
        Map<Integer, long[]> stacks,
        OffCpuCounters counters) {

    public double durationSeconds() {
        return durationNanos / 1e9;
    }

    /** All off-CPU time of one process in this slice. */
    public long blockedNanosOf(long tgid) {
        return blocked.entrySet().stream()
                .filter(e -> e.getKey().tgid() == tgid)
                .mapToLong(e -> e.getValue().nanos())
                .sum();
    }
}
