package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.agent.output.folded.FoldedStacks;
import dev.ebpf.profiling.agent.profile.SliceResult;
import dev.ebpf.profiling.agent.symbolize.SymbolizedStack;
import dev.ebpf.profiling.api.ingest.AgentLimitation;
import dev.ebpf.profiling.api.ingest.IngestContract;
import dev.ebpf.profiling.api.ingest.JobKey;
import dev.ebpf.profiling.api.ingest.NodeSliceReport;
import dev.ebpf.profiling.api.profile.NodeProfile;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the {@link NodeSliceReport} of one job's slice on this node, as the ingest endpoint takes it. */
public final class SliceReports {

    private SliceReports() {}

    public static NodeSliceReport of(
            JobKey job,
            String node,
            SliceWindow window,
            SliceResult result,
            List<SliceResult> history,
            List<AgentLimitation> limitations) {
        Capped onCpu = capped(result.stacks());
        Capped offCpu = capped(result.blockedMicroseconds());
        List<SymbolizedStack> historyStacks = new ArrayList<>();
        history.forEach(slice -> historyStacks.addAll(slice.stacks()));
        Capped before = capped(historyStacks);
        return new NodeSliceReport(
                NodeSliceReport.SCHEMA_VERSION,
                job,
                node,
                window.start(),
                window.end(),
                result.profile(),
                onCpu.stacks(),
                offCpu.stacks(),
                onCpu.dropped() + offCpu.dropped() + before.dropped(),
                history.stream().map(SliceResult::profile).toList(),
                before.stacks(),
                List.copyOf(limitations));
    }

    /** Folded stacks hottest first (equal counts in line order), at most {@link IngestContract#MAX_STACKS_PER_REPORT}. */
    record Capped(Map<String, Long> stacks, long dropped) {}

    static Capped capped(List<SymbolizedStack> stacks) {
        Map<String, Long> all = FoldedStacks.counts(stacks);
        List<Map.Entry<String, Long>> hottest = new ArrayList<>(all.entrySet());
        hottest.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                .thenComparing(Map.Entry.comparingByKey()));
        Map<String, Long> kept = new LinkedHashMap<>();
        for (Map.Entry<String, Long> entry : hottest) {
            if (kept.size() == IngestContract.MAX_STACKS_PER_REPORT) {
                break;
            }
            kept.put(entry.getKey(), entry.getValue());
        }
        return new Capped(kept, all.size() - kept.size());
    }

    /** One log line summing up a report. */
    public static String summary(NodeSliceReport report) {
        NodeProfile profile = report.profile();
        String top = profile.topApplications().isEmpty()
                ? "none"
                : profile.topApplications().getFirst().name() + " "
                        + profile.topApplications().getFirst().cpuPercent() + "%";
        return String.format(
                "slice %s %s-%s on %s: %d samples at %d Hz, top %s, %d stacks (%d dropped), lost %d",
                report.job().namespace() + "/" + report.job().name(),
                report.sliceStart(),
                report.sliceEnd(),
                report.node(),
                profile.totalSamples(),
                profile.frequencyHz(),
                top,
                report.onCpuStacks().size(),
                report.droppedStacks(),
                profile.lostSamples());
    }
}
