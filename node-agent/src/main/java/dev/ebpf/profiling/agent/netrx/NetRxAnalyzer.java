package dev.ebpf.profiling.agent.netrx;

import static dev.ebpf.profiling.bpf.BpfContract.NETRX_PROTO_TCP;
import static dev.ebpf.profiling.bpf.BpfContract.NETRX_VEC_NET_RX;
import static dev.ebpf.profiling.bpf.BpfContract.NETRX_VEC_NET_TX;

import dev.ebpf.profiling.agent.cgroup.Application;
import dev.ebpf.profiling.agent.hotspot.BlockedStack;
import dev.ebpf.profiling.agent.hotspot.HotspotAnalyzer;
import dev.ebpf.profiling.agent.hotspot.OffCpuAnalyzer;
import dev.ebpf.profiling.agent.sampler.NetRxAppCount;
import dev.ebpf.profiling.agent.sampler.NetRxCounters;
import dev.ebpf.profiling.agent.sampler.NetRxSocketWait;
import dev.ebpf.profiling.agent.sampler.NetRxSoftirqTime;
import dev.ebpf.profiling.agent.sampler.RawNetRxSlice;
import dev.ebpf.profiling.agent.symbolize.SymbolizedStack;
import dev.ebpf.profiling.api.profile.Hotspot;
import dev.ebpf.profiling.api.profile.LateRead;
import dev.ebpf.profiling.api.profile.NetRxApplication;
import dev.ebpf.profiling.api.profile.NetRxProfile;
import dev.ebpf.profiling.api.profile.OffCpuHotspot;
import dev.ebpf.profiling.api.profile.QueueDelay;
import dev.ebpf.profiling.api.profile.SoftirqCpu;
import dev.ebpf.profiling.api.profile.WorstSocket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Turns what the net-rx program counted in a slice into the slice's {@code netRx} part: per
 * application the queue delay, its worst sockets and why the reader was late for the worst waits
 * (correlated with the slice's on-CPU and off-CPU stacks of the same process), and per CPU the
 * network softirq time and whom it interrupted.
 */
public final class NetRxAnalyzer {

    /** Sockets and late reads reported per application. */
    public static final int WORST_PER_APPLICATION = 3;
    /** Stacks shown per late read. */
    static final int STACKS_PER_LATE_READ = 3;
    /** Interrupted applications listed per CPU. */
    static final int INTERRUPTED_PER_CPU = 5;

    private static final double NANOS_PER_MS = 1e6;

    private final HotspotAnalyzer hotspots;
    private final OffCpuAnalyzer offCpu;

    public NetRxAnalyzer(HotspotAnalyzer hotspots, OffCpuAnalyzer offCpu) {
        this.hotspots = hotspots;
        this.offCpu = offCpu;
    }

    /** Names the process behind a kernel key: (tgid, cgroup id, comm) to its application. */
    @FunctionalInterface
    public interface Applications {
        Application resolve(int tgid, long cgroupId, String comm);
    }

    /**
     * @param slice       what the kernel counted
     * @param node        this node's name, for the softirq CPUs
     * @param apps        how processes map to applications
     * @param onCpu       the slice's on-CPU stacks (for late readers that were busy)
     * @param blocked     the slice's off-CPU stacks (for late readers that were blocked); empty
     *                    without off-CPU sampling
     * @param top         applications to report
     */
    public NetRxProfile analyze(
            RawNetRxSlice slice,
            String node,
            Applications apps,
            List<SymbolizedStack> onCpu,
            List<BlockedStack> blocked,
            int top) {
        Map<String, Receiving> byName = new HashMap<>();
        for (NetRxAppCount count : slice.applications()) {
            Application app = apps.resolve(count.tgid(), count.cgroupId(), count.comm());
            byName.computeIfAbsent(app.name(), n -> new Receiving(app)).add(count);
        }
        for (NetRxSocketWait wait : slice.socketWaits()) {
            Application app = apps.resolve(wait.tgid(), wait.cgroupId(), wait.comm());
            byName.computeIfAbsent(app.name(), n -> new Receiving(app)).waits.add(wait);
        }
        List<NetRxApplication> applications = byName.values().stream()
                .map(receiving -> receiving.result(onCpu, blocked))
                .sorted(Comparator.comparingDouble(
                                (NetRxApplication a) -> a.queueDelay().p99Ms())
                        .thenComparingDouble(a -> a.queueDelay().maxMs())
                        .reversed()
                        .thenComparing(NetRxApplication::name))
                .limit(top)
                .toList();
        List<NetRxApplication> ranked = new ArrayList<>();
        for (NetRxApplication application : applications) {
            ranked.add(application.withRank(ranked.size() + 1));
        }
        NetRxCounters counters = slice.counters();
        return new NetRxProfile(
                ranked,
                softirqs(slice, node, apps),
                new NetRxProfile.Lost(
                        counters.unstampedReads(),
                        counters.lostAppMapFull(),
                        counters.lostWorstMapFull(),
                        counters.lostSoftirqMapFull()));
    }

    /** One application's reads, gathered over its processes. */
    private final class Receiving {
        final Application app;
        final TreeSet<Integer> pids = new TreeSet<>();
        final List<NetRxSocketWait> waits = new ArrayList<>();
        NetRxAppCount total;

        Receiving(Application app) {
            this.app = app;
        }

        void add(NetRxAppCount count) {
            pids.add(count.tgid());
            total = total == null ? count : total.plus(count);
        }

        NetRxApplication result(List<SymbolizedStack> onCpu, List<BlockedStack> blocked) {
            waits.forEach(wait -> pids.add(wait.tgid()));
            QueueDelay delay = total == null
                    ? QueueDelay.NONE
                    : QueueDelay.of(
                            DelayBuckets.of(total.delayBuckets()),
                            total.delayMaxNanos() / NANOS_PER_MS,
                            total.delaySumNanos() / NANOS_PER_MS);
            // The program keeps a socket's waits per CPU the reads ran on: one socket, one line.
            Map<List<Long>, NetRxSocketWait> perSocket = new HashMap<>();
            for (NetRxSocketWait wait : waits) {
                perSocket.merge(
                        List.of(wait.socket(), (long) wait.tgid(), wait.cgroupId()), wait, NetRxSocketWait::mergedWith);
            }
            List<NetRxSocketWait> worst = perSocket.values().stream()
                    .sorted(Comparator.comparingLong(NetRxSocketWait::waitNanos).reversed())
                    .limit(WORST_PER_APPLICATION)
                    .toList();
            return new NetRxApplication(
                    0,
                    app.name(),
                    app.pod(),
                    List.copyOf(pids),
                    total == null ? 0 : total.packets(),
                    total == null ? 0 : total.bytes(),
                    delay,
                    worst.stream().map(NetRxAnalyzer::socket).toList(),
                    worst.stream()
                            .map(wait -> lateRead(wait, app.name(), onCpu, blocked))
                            .toList());
        }
    }

    static WorstSocket socket(NetRxSocketWait wait) {
        boolean connected = wait.remotePort() != 0;
        return new WorstSocket(
                wait.protocol() == NETRX_PROTO_TCP ? "tcp" : "udp",
                endpoint(wait.localAddress(), wait.localPort()),
                connected ? endpoint(wait.remoteAddress(), wait.remotePort()) : null,
                wait.reads(),
                wait.bytes(),
                ms(wait.waitNanos()),
                wait.reads() == 0 ? 0 : ms(wait.delaySumNanos() / wait.reads()));
    }

    /**
     * "address:port", or "[address]:port" for IPv6 in its short form (RFC 5952: "[::1]:8080").
     * An IPv4-mapped address of a dual-stack socket (::ffff:a.b.c.d) is the IPv4 peer it is.
     */
    static String endpoint(InetAddress address, int port) {
        if (address instanceof Inet6Address v6) {
            return "[" + shortIpv6(v6.getAddress()) + "]:" + port;
        }
        return address.getHostAddress() + ":" + port;
    }

    /** An IPv6 address as RFC 5952 writes it: lower-case hex, the longest run of zero groups as "::". */
    static String shortIpv6(byte[] address) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((address[2 * i] & 0xff) << 8) | (address[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1; // a single zero group is not shortened
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (!text.isEmpty() && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }

    /**
     * Why the reader came late: the kernel measured how its thread spent the time since its
     * previous read; the slice's stacks of its process say where (busy) or on what (blocked).
     */
    LateRead lateRead(
            NetRxSocketWait wait, String application, List<SymbolizedStack> onCpu, List<BlockedStack> blocked) {
        long gap = wait.readerGapNanos();
        String socket = socket(wait).local();
        if (gap <= 0) {
            return new LateRead(
                    socket, ms(wait.waitNanos()), wait.tid(), LateRead.UNKNOWN, null, 0, 0, 0, List.of(), List.of());
        }
        long running = Math.min(gap, wait.readerRuntimeNanos());
        long runnable = Math.min(gap - running, wait.readerRunDelayNanos());
        long blockedNanos = gap - running - runnable;
        // Busy when it ran at least as long as it blocked. Time runnable (waiting for a CPU) is
        // the machine's contention, not the reader's choice: reported, but it decides nothing, so
        // a sleeping reader on a crowded node is still late because it slept.
        boolean busy = running >= blockedNanos;
        List<SymbolizedStack> processStacks =
                onCpu.stream().filter(s -> s.tgid() == wait.tgid()).toList();
        List<Hotspot> hot = hotspots.analyze(processStacks, List.of(application), STACKS_PER_LATE_READ)
                .of(application);
        List<BlockedStack> processBlocked =
                blocked.stream().filter(b -> b.tgid() == wait.tgid()).toList();
        List<OffCpuHotspot> waited =
                offCpu.analyze(processBlocked, 1, STACKS_PER_LATE_READ).hotspots();
        String reason;
        if (busy) {
            reason = hot.isEmpty() ? null : hot.getFirst().location().name().toLowerCase(java.util.Locale.ROOT);
        } else {
            reason = waited.isEmpty() ? null : waited.getFirst().reason();
        }
        return new LateRead(
                socket,
                ms(wait.waitNanos()),
                wait.tid(),
                busy ? LateRead.ON_CPU : LateRead.OFF_CPU,
                reason,
                percent(running, gap),
                percent(runnable, gap),
                percent(blockedNanos, gap),
                hot,
                waited);
    }

    /** Per CPU: NET_RX and NET_TX time and runs, NAPI polls, and whom NET_RX interrupted. */
    private static List<SoftirqCpu> softirqs(RawNetRxSlice slice, String node, Applications apps) {
        TreeSet<Integer> cpus = new TreeSet<>(slice.napiPolls().keySet());
        slice.softirqs().forEach(s -> cpus.add(s.cpu()));
        double sliceNanos = Math.max(1, slice.durationNanos());
        List<SoftirqCpu> result = new ArrayList<>();
        for (int cpu : cpus) {
            Map<String, Long> interrupted = new HashMap<>();
            for (NetRxSoftirqTime time : slice.softirqs()) {
                if (time.cpu() == cpu && time.vector() == NETRX_VEC_NET_RX) {
                    interrupted.merge(interruptedName(time, apps), time.nanos(), Long::sum);
                }
            }
            long rx = slice.softirqNanos(cpu, NETRX_VEC_NET_RX);
            long tx = slice.softirqNanos(cpu, NETRX_VEC_NET_TX);
            RawNetRxSlice.NapiPolls polls = slice.napiPolls().getOrDefault(cpu, new RawNetRxSlice.NapiPolls(0, 0));
            result.add(new SoftirqCpu(
                    node,
                    cpu,
                    round(rx / sliceNanos * 100),
                    ms(rx),
                    slice.softirqRuns(cpu, NETRX_VEC_NET_RX),
                    round(tx / sliceNanos * 100),
                    ms(tx),
                    slice.softirqRuns(cpu, NETRX_VEC_NET_TX),
                    polls.polls(),
                    polls.polls() == 0 ? 0 : round((double) polls.packets() / polls.polls()),
                    interrupted.entrySet().stream()
                            .sorted(Map.Entry.<String, Long>comparingByValue()
                                    .reversed()
                                    .thenComparing(Map.Entry::getKey))
                            .limit(INTERRUPTED_PER_CPU)
                            .map(e -> new SoftirqCpu.Interrupted(
                                    e.getKey(), ms(e.getValue()), round(e.getValue() / sliceNanos * 100)))
                            .toList()));
        }
        result.sort(
                Comparator.comparingDouble(SoftirqCpu::netRxPercent).reversed().thenComparingInt(SoftirqCpu::cpu));
        return result;
    }

    /** The idle task, ksoftirqd, a task the filter left out, or an application. */
    private static String interruptedName(NetRxSoftirqTime time, Applications apps) {
        if (time.tgid() == 0) {
            return time.cgroupId() == 0 && time.comm().isEmpty() ? "other" : "idle";
        }
        if (time.comm().startsWith("ksoftirqd/")) {
            return "ksoftirqd";
        }
        return apps.resolve(time.tgid(), time.cgroupId(), time.comm()).name();
    }

    private static double ms(long nanos) {
        return round(nanos / NANOS_PER_MS);
    }

    private static double percent(long part, long whole) {
        return whole == 0 ? 0 : round(100.0 * part / whole);
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
