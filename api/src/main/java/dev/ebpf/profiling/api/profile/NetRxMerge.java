package dev.ebpf.profiling.api.profile;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Merges the net-rx parts of one slice's node reports: an application seen on several nodes (a
 * process name, a unit) gets its packets and bytes summed and its histograms added bucket by
 * bucket, its percentiles computed again from the sum (never averaged); its worst sockets and late
 * reads are the worst of all nodes', each with its first on-CPU and off-CPU stack cut to
 * {@link #LATE_READ_FRAMES} frames (the merged slice lives in a ConfigMap). Softirq CPUs are listed
 * per node, busiest first.
 */
public final class NetRxMerge {

    /** Softirq CPUs kept in a merged slice: the busiest, whatever the node count. */
    public static final int MAX_SOFTIRQ_CPUS = 32;
    /** Worst sockets and late reads kept per merged application. */
    public static final int WORST_PER_APPLICATION = 3;
    /**
     * Frames kept of a late read's stacks (its hottest on-CPU one and its longest off-CPU one) in a
     * merged slice, which lives in a ConfigMap beside the flame graph stacks: the leaf end says why.
     */
    public static final int LATE_READ_FRAMES = 16;

    private NetRxMerge() {}

    /** @param byNode each reporting node's net-rx part (nodes without one left out); null when none has one */
    public static NetRxProfile merge(Map<String, NetRxProfile> byNode, int top) {
        if (byNode.isEmpty()) {
            return null;
        }
        Map<String, List<NetRxApplication>> byName = new LinkedHashMap<>();
        List<SoftirqCpu> softirq = new ArrayList<>();
        NetRxProfile.Lost lost = NetRxProfile.Lost.NONE;
        for (Map.Entry<String, NetRxProfile> node : byNode.entrySet()) {
            NetRxProfile profile = node.getValue();
            profile.applications()
                    .forEach(app -> byName.computeIfAbsent(app.name(), n -> new ArrayList<>())
                            .add(app));
            profile.softirq().forEach(cpu -> softirq.add(withNode(cpu, node.getKey())));
            lost = lost.plus(profile.lost());
        }
        List<NetRxApplication> merged = byName.values().stream()
                .map(NetRxMerge::merged)
                .map(NetRxMerge::trimmed)
                .sorted(Comparator.comparingDouble(
                                (NetRxApplication a) -> a.queueDelay().p99Ms())
                        .thenComparingDouble(a -> a.queueDelay().maxMs())
                        .reversed()
                        .thenComparing(NetRxApplication::name))
                .limit(top)
                .toList();
        List<NetRxApplication> ranked = new ArrayList<>();
        merged.forEach(app -> ranked.add(app.withRank(ranked.size() + 1)));
        return new NetRxProfile(
                ranked,
                softirq.stream()
                        .sorted(Comparator.comparingDouble(SoftirqCpu::netRxPercent)
                                .reversed()
                                .thenComparing(SoftirqCpu::node, Comparator.nullsFirst(Comparator.naturalOrder()))
                                .thenComparingInt(SoftirqCpu::cpu))
                        .limit(MAX_SOFTIRQ_CPUS)
                        .toList(),
                lost);
    }

    private static NetRxApplication merged(List<NetRxApplication> parts) {
        if (parts.size() == 1) {
            return parts.getFirst();
        }
        NetRxApplication first = parts.getFirst();
        TreeSet<Integer> pids = new TreeSet<>();
        parts.forEach(p -> pids.addAll(p.pids()));
        return new NetRxApplication(
                0,
                first.name(),
                first.pod(),
                List.copyOf(pids),
                parts.stream().mapToLong(NetRxApplication::packets).sum(),
                parts.stream().mapToLong(NetRxApplication::bytes).sum(),
                QueueDelay.merge(
                        parts.stream().map(NetRxApplication::queueDelay).toList()),
                parts.stream()
                        .flatMap(p -> p.worstSockets().stream())
                        .sorted(Comparator.comparingDouble(WorstSocket::maxWaitMs)
                                .reversed())
                        .limit(WORST_PER_APPLICATION)
                        .toList(),
                parts.stream()
                        .flatMap(p -> p.lateBecause().stream())
                        .sorted(Comparator.comparingDouble(LateRead::waitMs).reversed())
                        .limit(WORST_PER_APPLICATION)
                        .toList());
    }

    /** The application with each late read's stacks cut to its first of each kind, leaf end only. */
    private static NetRxApplication trimmed(NetRxApplication app) {
        return new NetRxApplication(
                app.rank(),
                app.name(),
                app.pod(),
                app.pids(),
                app.packets(),
                app.bytes(),
                app.queueDelay(),
                app.worstSockets(),
                app.lateBecause().stream()
                        .map(late -> new LateRead(
                                late.socket(),
                                late.waitMs(),
                                late.tid(),
                                late.verdict(),
                                late.reason(),
                                late.onCpuPercent(),
                                late.runnablePercent(),
                                late.blockedPercent(),
                                late.onCpu().stream()
                                        .limit(1)
                                        .map(h -> new Hotspot(
                                                h.application(),
                                                h.samples(),
                                                h.percentOfApplication(),
                                                h.percentOfTotal(),
                                                h.location(),
                                                h.subsystem(),
                                                h.frames().stream()
                                                        .limit(LATE_READ_FRAMES)
                                                        .toList()))
                                        .toList(),
                                late.offCpu().stream()
                                        .limit(1)
                                        .map(h -> new OffCpuHotspot(
                                                h.application(),
                                                h.blockedSeconds(),
                                                h.percentOfApplication(),
                                                h.reason(),
                                                h.frames().stream()
                                                        .limit(LATE_READ_FRAMES)
                                                        .toList()))
                                        .toList()))
                        .toList());
    }

    private static SoftirqCpu withNode(SoftirqCpu cpu, String node) {
        return new SoftirqCpu(
                node,
                cpu.cpu(),
                cpu.netRxPercent(),
                cpu.netRxMs(),
                cpu.netRxRuns(),
                cpu.netTxPercent(),
                cpu.netTxMs(),
                cpu.netTxRuns(),
                cpu.napiPolls(),
                cpu.packetsPerPoll(),
                cpu.interrupted());
    }
}
