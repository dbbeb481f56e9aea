package dev.ebpf.profiling.operator.web;

import dev.ebpf.profiling.api.job.ApplicationStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One application's CPU% in each slice of a job: a line of the job page's chart.
 *
 * @param application the application as the status names it (host processes with their node)
 * @param cpuPercent  one value per slice, oldest first; 0 where the application is in no node's top list
 */
record CpuSeries(String application, List<Double> cpuPercent) {

    /** How many applications the chart draws: more lines than this cannot be told apart. */
    static final int CHART_APPLICATIONS = 6;

    /** The applications with the most samples over all the slices, busiest first. */
    static List<CpuSeries> busiest(List<SliceRow> slices) {
        Map<String, Long> samples = new LinkedHashMap<>();
        for (SliceRow slice : slices) {
            for (ApplicationStatus app : slice.applications()) {
                samples.merge(label(app), app.samples == null ? 0L : app.samples, Long::sum);
            }
        }
        List<String> busiest = samples.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(CHART_APPLICATIONS)
                .map(Map.Entry::getKey)
                .toList();
        List<CpuSeries> series = new ArrayList<>(busiest.size());
        for (String application : busiest) {
            List<Double> values = new ArrayList<>(slices.size());
            for (SliceRow slice : slices) {
                values.add(slice.applications().stream()
                        .filter(a -> label(a).equals(application))
                        .mapToDouble(a -> a.cpuPercent == null ? 0 : a.cpuPercent)
                        .sum());
            }
            series.add(new CpuSeries(application, values));
        }
        return series;
    }

    /**
     * A pod container is one application on every node; a host process is one per node (the
     * merger keeps them apart), so its node is part of its name.
     */
    static String label(ApplicationStatus app) {
        // A host process of a merged (all-nodes) column is already named after its node.
        return app.pod != null || JobLevelResults.ALL_NODES.equals(app.node) ? app.name : app.node + ": " + app.name;
    }
}
