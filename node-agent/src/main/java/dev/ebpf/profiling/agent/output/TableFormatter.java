package dev.ebpf.profiling.agent.output;

import dev.ebpf.profiling.agent.cpu.CpuList;
import dev.ebpf.profiling.api.profile.ApplicationUsage;
import dev.ebpf.profiling.api.profile.NodeProfile;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** The human view of a slice: the top applications as a table, then one line about the sampling. */
public final class TableFormatter {

    private static final int NAME_WIDTH = 40;
    private static final int WHERE_WIDTH = 60;
    private static final String ROW = "%-5s %-" + NAME_WIDTH + "s %6s %8s  %s%n";
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

    private TableFormatter() {
    }

    public static String format(NodeProfile profile) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "slice %s-%s UTC on %s%n", CLOCK.format(profile.start()),
                CLOCK.format(profile.end()), profile.node()));
        out.append(String.format(Locale.ROOT, ROW, "RANK", "APPLICATION", "CPU%", "SAMPLES", "WHERE"));
        for (ApplicationUsage app : profile.topApplications()) {
            out.append(String.format(Locale.ROOT, ROW, app.rank(), elide(app.name(), NAME_WIDTH),
                    String.format(Locale.ROOT, "%.1f", app.cpuPercent()), app.samples(),
                    app.cgroup() == null ? "-" : elide(app.cgroup(), WHERE_WIDTH)));
        }
        if (profile.topApplications().isEmpty()) {
            out.append("(no samples: nothing ran on the selected CPUs and cgroups)\n");
        }
        out.append(String.format(Locale.ROOT, "event: %s  frequency: %d Hz  cpus: %s  window: %.1f s  lost: %d%n",
                eventLabel(profile.event()), profile.frequencyHz(), CpuList.of(profile.cpus()),
                profile.durationSeconds(), profile.lostSamples()));
        return out.toString();
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
