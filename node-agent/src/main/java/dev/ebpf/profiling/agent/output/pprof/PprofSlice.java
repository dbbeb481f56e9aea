package dev.ebpf.profiling.agent.output.pprof;

import dev.ebpf.profiling.agent.symbolize.SymbolizedStack;
import dev.ebpf.profiling.api.profile.PodRef;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a pprof profile of one slice is made from.
 *
 * @param stacks      the slice's symbolized stacks
 * @param pods        the pod of each application that runs in one (absent for host processes)
 * @param frequencyHz samples per second per CPU: one sample stands for 1/frequency seconds of CPU
 * @param start       when the slice began
 * @param end         when it ended
 */
public record PprofSlice(
        List<SymbolizedStack> stacks, Map<String, PodRef> pods, int frequencyHz, Instant start, Instant end) {

    public PprofSlice {
        if (frequencyHz <= 0) {
            throw new IllegalArgumentException("sampling frequency must be positive, got " + frequencyHz);
        }
        if (end.isBefore(start)) {
            throw new IllegalArgumentException("slice ends (" + end + ") before it starts (" + start + ")");
        }
        stacks = List.copyOf(stacks);
        pods = Map.copyOf(pods);
    }

    /** CPU nanoseconds one sample stands for. */
    public long periodNanos() {
        return TimeUnit.SECONDS.toNanos(1) / frequencyHz;
    }
}
