package dev.ebpf.profiling.agent.sampler;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the net-rx program counted in one slice, before attribution.
 *
 * @param start         when this slice's slot became active
 * @param end           when the next slot took over
 * @param durationNanos end minus start, from the monotonic clock
 * @param cpus          the CPUs the program counted on
 * @param applications  per reading process: packets, bytes, queue delays
 * @param socketWaits   per socket and reading process: the longest wait and how the reader spent it
 * @param softirqs      network softirq time per CPU and interrupted process
 * @param napiPolls     NAPI polls per CPU
 * @param counters      per-slice counters, losses included
 */
public record RawNetRxSlice(
        Instant start,
        Instant end,
        long durationNanos,
        List<Integer> cpus,
        List<NetRxAppCount> applications,
        List<NetRxSocketWait> socketWaits,
        List<NetRxSoftirqTime> softirqs,
        Map<Integer, NapiPolls> napiPolls,
        NetRxCounters counters) {

    /** NAPI polls on one CPU, and the packets they handed to the stack. */
    public record NapiPolls(long polls, long packets) {}

    public RawNetRxSlice {
        cpus = List.copyOf(cpus);
        applications = List.copyOf(applications);
        socketWaits = List.copyOf(socketWaits);
        softirqs = List.copyOf(softirqs);
        napiPolls = Map.copyOf(napiPolls);
    }

    public double durationSeconds() {
        return durationNanos / 1e9;
    }

    /** Softirq time of one vector on one CPU, every interrupted process together. */
    public long softirqNanos(int cpu, int vector) {
        return softirqs.stream()
                .filter(s -> s.cpu() == cpu && s.vector() == vector)
                .mapToLong(NetRxSoftirqTime::nanos)
                .sum();
    }

    /** Softirq runs of one vector on one CPU. */
    public long softirqRuns(int cpu, int vector) {
        return softirqs.stream()
                .filter(s -> s.cpu() == cpu && s.vector() == vector)
                .mapToLong(NetRxSoftirqTime::runs)
                .sum();
    }

    /** One process's counts, all its keys added up; null when it read nothing. */
    public NetRxAppCount applicationOf(long tgid) {
        return applications.stream()
                .filter(a -> a.tgid() == tgid)
                .reduce(NetRxAppCount::plus)
                .orElse(null);
    }
}
