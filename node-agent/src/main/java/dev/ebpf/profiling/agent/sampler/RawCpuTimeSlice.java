package dev.ebpf.profiling.agent.sampler;

import java.time.Instant;
import java.util.Map;
import java.util.function.IntPredicate;
import java.util.function.LongPredicate;
import java.util.stream.Collectors;

/**
 * The kernel's account of one slice: how long each (process, CPU, cgroup, comm) ran, from
 * sched_switch, the tasks still running at the cut included up to the cut.
 *
 * @param start         when this slice's slot became active
 * @param end           when the next slot took over
 * @param durationNanos end minus start, from the monotonic clock (the kernel's clock for the cuts)
 * @param nanos         time on the CPU per key
 * @param lostNanos     time the kernel could not count (its count map was full); not in {@code nanos}
 */
public record RawCpuTimeSlice(
        Instant start, Instant end, long durationNanos, Map<CpuTimeKey, Long> nanos, long lostNanos) {

    public RawCpuTimeSlice {
        nanos = Map.copyOf(nanos);
    }

    /** All the time counted, in nanoseconds. */
    public long totalNanos() {
        return nanos.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Only the keys on CPUs {@code cpuSelected} admits and in cgroups {@code cgroupSelected} admits. */
    public RawCpuTimeSlice filtered(IntPredicate cpuSelected, LongPredicate cgroupSelected) {
        return new RawCpuTimeSlice(
                start,
                end,
                durationNanos,
                nanos.entrySet().stream()
                        .filter(e -> cpuSelected.test(e.getKey().cpu())
                                && cgroupSelected.test(e.getKey().cgroupId()))
                        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)),
                lostNanos);
    }
}
