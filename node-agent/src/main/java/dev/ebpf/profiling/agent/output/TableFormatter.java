package dev.ebpf.profiling.agent.output;

import dev.ebpf.profiling.agent.hotspot.HotspotText;
import dev.ebpf.profiling.api.job.CpuList;
import dev.ebpf.profiling.api.profile.ApplicationUsage;
import dev.ebpf.profiling.api.profile.Hotspot;
import dev.ebpf.profiling.api.profile.LocationSplit;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.OffCpuApplication;
import dev.ebpf.profiling.api.profile.OffCpuProfile;
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
