package dev.ebpf.profiling.operator.web;

import dev.ebpf.profiling.api.profile.LateRead;
import dev.ebpf.profiling.api.profile.NetRxApplication;
import dev.ebpf.profiling.api.profile.NetRxProfile;
import dev.ebpf.profiling.api.profile.SoftirqCpu;
import dev.ebpf.profiling.api.profile.WorstSocket;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The network receive part of a job page (jobs with the net-rx profiler): for the newest slice,
 * how long each application's received data waited before it read it and why the reader was
 * late, then each CPU's NET_RX/NET_TX softirq time and whom it interrupted.
 */
final class NetRxSection {

    private NetRxSection() {}

    static void render(SliceRow newest, StringBuilder body) {
        NetRxProfile netRx = newest.nodes().stream()
                .map(node -> node.result().profile().netRx())
                .filter(java.util.Objects::nonNull)
                .findFirst()
                .orElse(null);
        if (netRx == null) {
            return;
        }
        body.append("<h2>Network receive, slice ")
                .append(Html.text(newest.id()))
                .append("</h2>\n<table id=\"net-rx\">\n<thead><tr><th>Application</th><th>p50 ms</th>")
                .append("<th>p99 ms</th><th>max ms</th><th>packets</th><th>worst socket</th>")
                .append("<th>late because</th></tr></thead>\n<tbody>\n");
        for (NetRxApplication app : netRx.applications()) {
            WorstSocket socket =
                    app.worstSockets().isEmpty() ? null : app.worstSockets().getFirst();
            LateRead late =
                    app.lateBecause().isEmpty() ? null : app.lateBecause().getFirst();
            body.append("<tr><td>")
                    .append(Html.text(app.name()))
                    .append("</td><td>")
                    .append(ms(app.queueDelay().p50Ms()))
                    .append("</td><td>")
                    .append(ms(app.queueDelay().p99Ms()))
                    .append("</td><td>")
                    .append(ms(app.queueDelay().maxMs()))
                    .append("</td><td>")
                    .append(app.packets())
                    .append("</td><td>")
                    .append(
                            socket == null
                                    ? JobListPage.NONE
                                    : Html.text(socket.protocol() + " " + socket.local() + " <- "
                                            + (socket.remote() == null ? "*" : socket.remote())))
                    .append("</td><td>")
                    .append(late == null ? JobListPage.NONE : Html.text(lateText(late)))
                    .append("</td></tr>\n");
        }
        body.append("</tbody>\n</table>\n");
        body.append("<table id=\"softirq\">\n<thead><tr><th>Node</th><th>CPU</th><th>NET_RX %</th>")
                .append("<th>NET_TX %</th><th>packets/poll</th><th>NET_RX interrupted</th></tr></thead>\n<tbody>\n");
        for (SoftirqCpu cpu : netRx.softirq()) {
            body.append("<tr><td>")
                    .append(Html.text(cpu.node() == null ? "" : cpu.node()))
                    .append("</td><td>")
                    .append(cpu.cpu())
                    .append("</td><td>")
                    .append(JobListPage.percent(cpu.netRxPercent()))
                    .append("</td><td>")
                    .append(JobListPage.percent(cpu.netTxPercent()))
                    .append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.1f", cpu.packetsPerPoll()))
                    .append("</td><td>")
                    .append(Html.text(cpu.interrupted().stream()
                            .map(i -> i.name() + " " + JobListPage.percent(i.netRxPercent()) + "%")
                            .collect(Collectors.joining(", "))))
                    .append("</td></tr>\n");
        }
        body.append("</tbody>\n</table>\n");
    }

    private static String lateText(LateRead late) {
        return String.format(
                Locale.ROOT,
                "%s%s: waited %.1f ms (on CPU %.0f%%, runnable %.0f%%, blocked %.0f%%)",
                late.verdict(),
                late.reason() == null ? "" : " (" + late.reason() + ")",
                late.waitMs(),
                late.onCpuPercent(),
                late.runnablePercent(),
                late.blockedPercent());
    }

    private static String ms(double value) {
        return String.format(Locale.ROOT, "%.3f", value);
    }
}
