package dev.ebpf.profiling.operator.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The per-node detail that the status no longer lists, as metrics whose labels are a fixed set
 * (never a node or job name, so the series stay few at any cluster size):
 *
 * <ul>
 *   <li>{@code ebpf_profiler_slice_nodes_total{state="reported|missing"}}: nodes in closed slices;
 *   <li>{@code ebpf_profiler_slice_report_lateness_seconds}: when each node's report arrived,
 *       after its slice's end;
 *   <li>{@code ebpf_profiler_slice_merge_seconds}: when a slice was closed and written, after its end;
 *   <li>{@code ebpf_profiler_result_bytes} and {@code ebpf_profiler_result_budget_bytes}: the bytes
 *       of all result ConfigMaps and their budget; {@code ebpf_profiler_result_budget_deleted_total}:
 *       slices the budget deleted.
 * </ul>
 */
public class SliceMetrics {

    /** No metrics (tests that build a store by hand). */
    static final SliceMetrics NONE = new SliceMetrics();

    private final Counter reported;
    private final Counter missing;
    private final DistributionSummary lateness;
    private final DistributionSummary merge;
    private final Counter budgetDeleted;

    private SliceMetrics() {
        reported = null;
        missing = null;
        lateness = null;
        merge = null;
        budgetDeleted = null;
    }

    public SliceMetrics(MeterRegistry registry, ResultBudget budget) {
        reported = nodes(registry, "reported");
        missing = nodes(registry, "missing");
        lateness = DistributionSummary.builder("ebpf.profiler.slice.report.lateness")
                .description("When a node's slice report arrived, after the slice's end")
                .baseUnit("seconds")
                .publishPercentiles(0.5, 0.95)
                .register(registry);
        merge = DistributionSummary.builder("ebpf.profiler.slice.merge")
                .description("When a slice was merged and written, after its end")
                .baseUnit("seconds")
                .publishPercentiles(0.5, 0.95)
                .register(registry);
        budgetDeleted = Counter.builder("ebpf.profiler.result.budget.deleted")
                .description("Result slices deleted to keep all result ConfigMaps under the budget")
                .register(registry);
        Gauge.builder("ebpf.profiler.result.bytes", budget, ResultBudget::totalBytes)
                .description("Bytes of all result ConfigMaps (their data), as the budget counts them")
                .baseUnit("bytes")
                .register(registry);
        Gauge.builder("ebpf.profiler.result.budget", budget, ResultBudget::budgetBytes)
                .description("The cluster-wide budget for result ConfigMaps")
                .baseUnit("bytes")
                .register(registry);
    }

    private static Counter nodes(MeterRegistry registry, String state) {
        return Counter.builder("ebpf.profiler.slice.nodes")
                .description("Target nodes of closed slices: reported, or missing when the slice closed")
                .tag("state", state)
                .register(registry);
    }

    void reportArrived(double secondsAfterEnd) {
        if (lateness != null) {
            lateness.record(Math.max(0, secondsAfterEnd));
        }
    }

    void sliceClosed(int reportedNodes, int missingNodes, double secondsAfterEnd) {
        if (reported != null) {
            reported.increment(reportedNodes);
            missing.increment(missingNodes);
            merge.record(Math.max(0, secondsAfterEnd));
        }
    }

    void budgetDeleted(int slices) {
        if (budgetDeleted != null && slices > 0) {
            budgetDeleted.increment(slices);
        }
    }
}
