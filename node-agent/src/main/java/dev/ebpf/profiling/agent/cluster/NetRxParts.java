package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.agent.sampler.NetRxAppCount;
import dev.ebpf.profiling.agent.sampler.NetRxCounters;
import dev.ebpf.profiling.agent.sampler.NetRxSocketWait;
import dev.ebpf.profiling.agent.sampler.NetRxSoftirqTime;
import dev.ebpf.profiling.agent.sampler.RawNetRxSlice;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * One job's share of the node's net-rx cuts, added up over its window: reads of the job's cgroups
 * done on the job's CPUs (the CPU the reader ran on when its read returned), and the softirq time
 * and NAPI polls of the job's CPUs, with the tasks it interrupted named only when they are the
 * job's (others become "other"). A socket read on several CPUs is one worst socket of the job.
 */
final class NetRxParts {

    private record SocketKey(long socket, int tgid, long cgroupId) {}

    private final List<NetRxAppCount> applications = new ArrayList<>();
    private final Map<SocketKey, NetRxSocketWait> waits = new HashMap<>();
    private final List<NetRxSoftirqTime> softirqs = new ArrayList<>();
    private final Map<Integer, RawNetRxSlice.NapiPolls> polls = new HashMap<>();
    private List<Integer> cpus;
    private Instant start;
    private Instant end;
    private long durationNanos;
    private NetRxCounters counters = NetRxCounters.NONE;

    void add(RawNetRxSlice cut, List<Integer> jobCpus, LongPredicate cgroupSelected) {
        if (start == null) {
            start = cut.start();
        }
        end = cut.end();
        cpus = cut.cpus();
        durationNanos += cut.durationNanos();
        counters = counters.plus(cut.counters());
        cut.applications().stream()
                .filter(app -> onJobCpus(app.cpu(), jobCpus) && cgroupSelected.test(app.cgroupId()))
                .forEach(applications::add);
        cut.socketWaits().stream()
                .filter(wait -> onJobCpus(wait.cpu(), jobCpus) && cgroupSelected.test(wait.cgroupId()))
                .forEach(wait -> waits.merge(
                        new SocketKey(wait.socket(), wait.tgid(), wait.cgroupId()), wait, NetRxSocketWait::mergedWith));
        for (NetRxSoftirqTime time : cut.softirqs()) {
            if (!onJobCpus(time.cpu(), jobCpus)) {
                continue;
            }
            boolean named = time.tgid() == 0 || cgroupSelected.test(time.cgroupId());
            softirqs.add(
                    named
                            ? time
                            : new NetRxSoftirqTime(time.cpu(), time.vector(), 0, 0, "", time.nanos(), time.runs()));
        }
        cut.napiPolls().forEach((cpu, p) -> {
            if (onJobCpus(cpu, jobCpus)) {
                polls.merge(
                        cpu,
                        p,
                        (a, b) -> new RawNetRxSlice.NapiPolls(a.polls() + b.polls(), a.packets() + b.packets()));
            }
        });
    }

    private static boolean onJobCpus(int cpu, List<Integer> jobCpus) {
        return jobCpus == null || jobCpus.contains(cpu);
    }

    /** The job's net-rx slice; null when no cut came. */
    RawNetRxSlice slice(List<Integer> jobCpus) {
        if (start == null) {
            return null;
        }
        return new RawNetRxSlice(
                start,
                end,
                durationNanos,
                jobCpus != null ? jobCpus : cpus,
                applications,
                List.copyOf(waits.values()),
                softirqs,
                polls,
                counters);
    }
}
