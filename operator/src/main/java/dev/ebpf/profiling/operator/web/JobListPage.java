package dev.ebpf.profiling.operator.web;

import dev.ebpf.profiling.api.job.ApplicationStatus;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import java.util.List;
import java.util.Locale;

/** {@code /ui/}: every ProfilingJob with the figures of its status, each linking to its job page. */
final class JobListPage {

    static final String NONE = "\u2014";

    private JobListPage() {}

    static String render(List<ProfilingJob> jobs) {
        StringBuilder body = new StringBuilder(1024 + jobs.size() * 400);
        body.append("<h1>ProfilingJobs</h1>\n");
        if (jobs.isEmpty()) {
            body.append("<p class=\"muted\" id=\"no-jobs\">There are no ProfilingJobs in the cluster.</p>\n");
            return Html.page("ProfilingJobs", body.toString());
        }
        body.append("<table id=\"jobs\">\n<thead><tr><th>Namespace</th><th>Name</th><th>Mode</th><th>Phase</th>")
                .append(
                        "<th>Nodes</th><th>Newest slice</th><th>Top application</th><th>CPU%</th></tr></thead>\n<tbody>\n");
        for (ProfilingJob job : jobs) {
            String namespace = job.getMetadata().getNamespace();
            String name = job.getMetadata().getName();
            ProfilingJobStatus status = job.getStatus();
            ApplicationStatus top = status == null || status.topApplications == null || status.topApplications.isEmpty()
                    ? null
                    : status.topApplications.getFirst();
            body.append("<tr><td>")
                    .append(Html.text(namespace))
                    .append("</td><td><a href=\"")
                    .append(Html.text(Links.job(namespace, name)))
                    .append("\">")
                    .append(Html.text(name))
                    .append("</a></td><td>")
                    .append(
                            job.getSpec() == null || job.getSpec().mode == null
                                    ? NONE
                                    : job.getSpec().mode.wireName())
                    .append("</td><td>")
                    .append(status == null || status.phase == null ? NONE : phase(status))
                    .append("</td><td>")
                    .append(status == null || status.nodes == null ? NONE : Html.text(status.nodes))
                    .append("</td><td>")
                    .append(
                            status == null || status.lastSlice == null || status.lastSlice.start == null
                                    ? NONE
                                    : Html.text(status.lastSlice.start))
                    .append("</td><td>")
                    .append(top == null ? NONE : Html.text(top.name))
                    .append("</td><td class=\"num\">")
                    .append(top == null || top.cpuPercent == null ? NONE : percent(top.cpuPercent))
                    .append("</td></tr>\n");
        }
        body.append("</tbody>\n</table>\n");
        return Html.page("ProfilingJobs", body.toString());
    }

    /** The phase as the STATUS column prints it (Profiling, Succeeded...). */
    private static String phase(ProfilingJobStatus status) {
        String name = status.phase.name();
        return name.charAt(0) + name.substring(1).toLowerCase(Locale.ROOT);
    }

    static String percent(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }
}
