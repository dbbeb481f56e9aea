package dev.ebpf.profiling.agent.output;

import dev.ebpf.profiling.agent.hotspot.HotspotText;
import dev.ebpf.profiling.api.job.CpuList;
import dev.ebpf.profiling.api.profile.ApplicationUsage;
import dev.ebpf.profiling.api.profile.Hotspot;
import dev.ebpf.profiling.api.profile.LateRead;
import dev.ebpf.profiling.api.profile.LocationSplit;
import dev.ebpf.profiling.api.profile.NetRxApplication;
import dev.ebpf.profiling.api.profile.NetRxProfile;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.OffCpuApplication;
import dev.ebpf.profiling.api.profile.OffCpuProfile;
import dev.ebpf.profiling.api.profile.SoftirqCpu;
import dev.ebpf.profiling.api.profile.WorstSocket;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/** The human view of a slice: the top applications as a table, then one line about the sampling. */
public final class TableFormatter {

    private static final int NAME_WIDTH = 40;
    private static final int WHERE_WIDTH = 60;
    private static final String ROW = "%-5s %-" + NAME_WIDTH + "s %6s %8s  %s%n";
    private static final DateTimeFormatter CLOCK =
            DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

    private TableFormatter() {}

    public static String format(NodeProfile profile) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT,
                "slice %s-%s UTC on %s%n",
                CLOCK.format(profile.start()),
                CLOCK.format(profile.end()),
                profile.node()));
        out.append(String.format(Locale.ROOT, ROW, "RANK", "APPLICATION", "CPU%", "SAMPLES", "WHERE"));
        for (ApplicationUsage app : profile.topApplications()) {
            out.append(String.format(
                    Locale.ROOT,
                    ROW,
                    app.rank(),
                    elide(app.name(), NAME_WIDTH),
                    String.format(Locale.ROOT, "%.1f", app.cpuPercent()),
                    app.samples(),
                    app.cgroup() == null ? "-" : elide(app.cgroup(), WHERE_WIDTH)));
        }
        if (profile.topApplications().isEmpty()) {
            out.append("(no samples: nothing ran on the selected CPUs and cgroups)\n");
        }
        appendHotspots(profile, out);
        appendOffCpu(profile, out);
        appendNetRx(profile.netRx(), out);
        out.append(String.format(
                Locale.ROOT,
                "event: %s  frequency: %d Hz  cpus: %s  window: %.1f s  lost: %d  cpu%%: %s%s%n",
                eventLabel(profile.event()),
                profile.frequencyHz(),
                CpuList.of(profile.cpus()),
                profile.durationSeconds(),
                profile.lostSamples(),
                cpuSourceLabel(profile),
                profile.unwinding() == null ? "" : "  unwinding: " + profile.unwinding()));
        return out.toString();
    }

    /** Each application's hottest stacks under its name, then where all the time went. */
    private static void appendHotspots(NodeProfile profile, StringBuilder out) {
        if (profile.hotspots().isEmpty()) {
            return;
        }
        out.append(System.lineSeparator());
        for (ApplicationUsage app : profile.topApplications()) {
            List<Hotspot> hot = profile.hotspots().stream()
                    .filter(h -> h.application().equals(app.name()))
                    .toList();
            if (hot.isEmpty()) {
                continue;
            }
            out.append(String.format(Locale.ROOT, "%s (%.1f%% CPU)%n", app.name(), app.cpuPercent()));
            hot.forEach(h -> out.append("  ").append(HotspotText.line(h)).append(System.lineSeparator()));
        }
        LocationSplit split = profile.locationSplit();
        out.append(String.format(
                Locale.ROOT,
                "where the time went: application %.1f%%  library %.1f%%  kernel %.1f%%" + "  unknown %.1f%%%n",
                split.applicationPercent(),
                split.libraryPercent(),
                split.kernelPercent(),
                split.unknownPercent()));
    }

    /** Where the applications waited: the most blocked ones and their longest waits, with the reason. */
    private static void appendOffCpu(NodeProfile profile, StringBuilder out) {
        OffCpuProfile offCpu = profile.offCpu();
        if (offCpu == null) {
            return;
        }
        out.append(String.format(
                Locale.ROOT, "%nOFF-CPU%n%-5s %-" + NAME_WIDTH + "s %10s%n", "RANK", "APPLICATION", "BLOCKED s"));
        for (OffCpuApplication app : offCpu.topApplications()) {
            out.append(String.format(
                    Locale.ROOT,
                    "%-5s %-" + NAME_WIDTH + "s %10.2f%n",
                    app.rank(),
                    elide(app.name(), NAME_WIDTH),
                    app.blockedSeconds()));
            offCpu.hotspots().stream()
                    .filter(h -> h.application().equals(app.name()))
                    .forEach(h -> out.append(String.format(
                            Locale.ROOT,
                            "  %8.2f s %5.1f%% of app  %-6s %s%n",
                            h.blockedSeconds(),
                            h.percentOfApplication(),
                            h.reason(),
                            HotspotText.frames(h.frames()))));
        }
        if (offCpu.topApplications().isEmpty()) {
            out.append("(no task blocked longer than the minimum block)\n");
        }
    }

    /** Where the CPU% column came from: the kernel's own running time, or sample counts. */
    private static String cpuSourceLabel(NodeProfile profile) {
        return profile.cpuIsExact() ? "kernel run time (sched_switch)" : "samples (estimate)";
    }

    /**
     * The network receive path: per application how long received data waited before it was read
     * (and why the reader was late), then per CPU the network softirq time and whom it interrupted.
     */
    static void appendNetRx(NetRxProfile netRx, StringBuilder out) {
        if (netRx == null) {
            return;
        }
        String row = "%-5s %-" + NAME_WIDTH + "s %9s %9s %9s %9s %12s%n";
        out.append(String.format(Locale.ROOT, "%nNET-RX (queue delay: data ready -> read)%n"));
        out.append(String.format(
                Locale.ROOT, row, "RANK", "APPLICATION", "P50 ms", "P99 ms", "MAX ms", "PACKETS", "BYTES"));
        for (NetRxApplication app : netRx.applications()) {
            out.append(String.format(
                    Locale.ROOT,
                    row,
                    app.rank(),
                    elide(app.name(), NAME_WIDTH),
                    String.format(Locale.ROOT, "%.3f", app.queueDelay().p50Ms()),
                    String.format(Locale.ROOT, "%.3f", app.queueDelay().p99Ms()),
                    String.format(Locale.ROOT, "%.3f", app.queueDelay().maxMs()),
                    app.packets(),
                    app.bytes()));
            for (WorstSocket socket : app.worstSockets()) {
                out.append(String.format(
                        Locale.ROOT,
                        "  %s %s <- %s  max %.3f ms  mean %.3f ms  %d reads%n",
                        socket.protocol(),
                        socket.local(),
                        socket.remote() == null ? "*" : socket.remote(),
                        socket.maxWaitMs(),
                        socket.meanWaitMs(),
                        socket.reads()));
            }
            for (LateRead late : app.lateBecause()) {
                out.append(String.format(
                        Locale.ROOT,
                        "  late %.3f ms on %s (tid %d): %s%s  [on CPU %.0f%%, runnable %.0f%%, blocked %.0f%%]%n",
                        late.waitMs(),
                        late.socket(),
                        late.tid(),
                        late.verdict(),
                        late.reason() == null ? "" : " (" + late.reason() + ")",
                        late.onCpuPercent(),
                        late.runnablePercent(),
                        late.blockedPercent()));
                if (LateRead.ON_CPU.equals(late.verdict()) && !late.onCpu().isEmpty()) {
                    out.append("    busy in ")
                            .append(HotspotText.line(late.onCpu().getFirst()))
                            .append('\n');
                } else if (LateRead.OFF_CPU.equals(late.verdict())
                        && !late.offCpu().isEmpty()) {
                    out.append("    blocked in ")
                            .append(HotspotText.frames(late.offCpu().getFirst().frames()))
                            .append('\n');
                }
            }
        }
        if (netRx.applications().isEmpty()) {
            out.append("(no reads of received TCP or UDP data on the selected CPUs and cgroups)\n");
        }
        out.append(String.format(
                Locale.ROOT,
                "%-5s %8s %8s %8s %8s %10s  %s%n",
                "CPU",
                "NET_RX%",
                "RX runs",
                "NET_TX%",
                "TX runs",
                "pkts/poll",
                "NET_RX INTERRUPTED"));
        for (SoftirqCpu cpu : netRx.softirq()) {
            out.append(String.format(
                    Locale.ROOT,
                    "%-5s %8.1f %8d %8.1f %8d %10.1f  %s%n",
                    cpu.cpu(),
                    cpu.netRxPercent(),
                    cpu.netRxRuns(),
                    cpu.netTxPercent(),
                    cpu.netTxRuns(),
                    cpu.packetsPerPoll(),
                    cpu.interrupted().stream()
                            .map(i -> String.format(Locale.ROOT, "%s %.1f%%", i.name(), i.netRxPercent()))
                            .reduce((a, b) -> a + ", " + b)
                            .orElse("-")));
        }
        NetRxProfile.Lost lost = netRx.lost();
        if (lost.appMapFull() + lost.socketMapFull() + lost.softirqMapFull() > 0) {
            out.append(String.format(
                    Locale.ROOT,
                    "net-rx lost (maps full): %d reads, %d socket waits, %d softirq runs%n",
                    lost.appMapFull(),
                    lost.socketMapFull(),
                    lost.softirqMapFull()));
        }
    }

    private static String eventLabel(String event) {
        return "cpu-clock".equals(event) ? "cpu-clock (no hardware PMU)" : event;
    }

    /** Keeps both ends of a long text, which carry the meaning of a cgroup path or a pod name. */
    static String elide(String text, int width) {
        if (text.length() <= width) {
            return text;
        }
        int head = (width - 3) / 2;
        int tail = width - 3 - head;
        return text.substring(0, head) + "..." + text.substring(text.length() - tail);
    }
}
