package dev.ebpf.profiling.operator.web;

import dev.ebpf.profiling.api.job.ApplicationStatus;
import dev.ebpf.profiling.api.job.ProfilingJob;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * {@code /ui/jobs/{namespace}/{name}}: the busiest applications' CPU% over the slices kept, and a
 * table of slices whose one column (all nodes merged) links the on- and off-CPU flame graphs, and
 * for jobs with net-rx the newest slice's queue delays and softirq time.
 */
final class JobPage {

    private JobPage() {}

    static String render(ProfilingJob job, JobHistory.Results results) {
        String namespace = job.getMetadata().getNamespace();
        String name = job.getMetadata().getName();
        List<SliceRow> slices = SliceRow.oldestFirst(results.slices());
        TreeSet<String> nodes = new TreeSet<>();
        results.slices().forEach(s -> nodes.add(s.result().node()));

        StringBuilder body = new StringBuilder(8192);
        body.append("<nav><a href=\"")
                .append(Html.text(Links.jobList()))
                .append("\">All jobs</a></nav>\n")
                .append("<h1>ProfilingJob ")
                .append(Html.text(namespace))
                .append('/')
                .append(Html.text(name))
                .append("</h1>\n")
                .append("<p id=\"summary\">Mode ")
                .append(
                        job.getSpec() == null || job.getSpec().mode == null
                                ? JobListPage.NONE
                                : job.getSpec().mode.wireName())
                .append(", ")
                .append(slices.size())
                .append(slices.size() == 1 ? " slice" : " slices")
                .append(" kept, each merged over its nodes.</p>\n");
        for (String problem : results.unreadable()) {
            body.append("<p class=\"warn unreadable\">")
                    .append(Html.text(problem))
                    .append("</p>\n");
        }
        body.append("<h2>CPU% of the busiest applications, slice by slice</h2>\n")
                .append(CpuChart.render(slices, CpuSeries.busiest(slices)));
        body.append("<h2>Slices</h2>\n");
        if (slices.isEmpty()) {
            body.append(
                            "<p class=\"muted\" id=\"no-slices\">No result ConfigMaps yet: the operator writes one per slice")
                    .append(" once its nodes reported it.</p>\n");
            return Html.page("ProfilingJob " + namespace + "/" + name, body.toString());
        }
        body.append("<table id=\"slices\">\n<thead><tr><th>Slice (UTC)</th><th>Top application</th>");
        for (String node : nodes) {
            body.append("<th>").append(Html.text(node)).append("</th>");
        }
        body.append("</tr></thead>\n<tbody>\n");
        for (SliceRow slice : slices.reversed()) {
            ApplicationStatus top = slice.topApplication();
            body.append("<tr id=\"slice-")
                    .append(Html.text(slice.id()))
                    .append("\"><td>")
                    .append(window(slice))
                    .append("</td><td>")
                    .append(
                            top == null
                                    ? JobListPage.NONE
                                    : Html.text(CpuSeries.label(top)) + " "
                                            + JobListPage.percent(top.cpuPercent == null ? 0 : top.cpuPercent) + "%")
                    .append("</td>");
            for (String node : nodes) {
                body.append("<td>")
                        .append(cell(namespace, name, slice, slice.node(node)))
                        .append("</td>");
            }
            body.append("</tr>\n");
        }
        body.append("</tbody>\n</table>\n");
        NetRxSection.render(slices.getLast(), body);
        return Html.page("ProfilingJob " + namespace + "/" + name, body.toString());
    }

    private static String window(SliceRow slice) {
        String start = slice.start() == null ? slice.id() : clock(slice.start());
        return Html.text(slice.end() == null ? start : start + " \u2013 " + clock(slice.end()));
    }

    /** {@code 2026-11-26 12:05:00}. */
    private static String clock(Instant instant) {
        return instant.toString().replace('T', ' ').replace("Z", "");
    }

    private static String cell(String namespace, String name, SliceRow slice, NodeSlice node) {
        if (node == null) {
            return "<span class=\"muted\">no result</span>";
        }
        StringBuilder cell = new StringBuilder(256);
        String nodeName = node.result().node();
        cell.append(String.format(
                Locale.ROOT, "%,d samples", node.result().profile().totalSamples()));
        String separator = "<br>";
        for (StackSet stacks : node.stacks()) {
            cell.append(separator)
                    .append("<a class=\"")
                    .append(stacks.id())
                    .append("\" href=\"")
                    .append(Html.text(Links.flameGraph(namespace, name, slice.id(), nodeName, stacks)))
                    .append("\">")
                    .append(stacks.linkText())
                    .append("</a>");
            separator = " \u00b7 ";
        }
        if (node.truncatedStacks() > 0) {
            cell.append("<br><span class=\"warn\">")
                    .append(node.truncatedStacks())
                    .append(" coldest stacks dropped (1 MiB limit)</span>");
        }
        return cell.toString();
    }
}
