package dev.ebpf.profiling.agent.ingest;

import dev.ebpf.profiling.agent.output.folded.FoldedStacks;
import dev.ebpf.profiling.agent.profile.SliceResult;
import dev.ebpf.profiling.agent.symbolize.SymbolizedStack;
import dev.ebpf.profiling.api.ingest.AgentLimitation;
import dev.ebpf.profiling.api.ingest.IngestContract;
import dev.ebpf.profiling.api.ingest.JobKey;
import dev.ebpf.profiling.api.ingest.NodeSliceReport;
import dev.ebpf.profiling.api.profile.NodeProfile;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the {@link NodeSliceReport} a node pushes for one job and slice from the agent's analysed
 * {@link SliceResult}: the profile as it is, the stacks as folded lines ({@link FoldedStacks#path})
 * with equal lines merged, hottest first and each kind capped at
 * {@link IngestContract#MAX_STACKS_PER_REPORT}; what the caps left out is counted in
 * {@code droppedStacks}.
 */
public final class NodeSliceReports {

    private NodeSliceReports() {}

    /** A general or filter mode slice. */
    public static NodeSliceReport of(
            JobKey job, String node, Instant start, Instant end, SliceResult slice, List<AgentLimitation> limitations) {
        return of(job, node, start, end, slice, List.of(), limitations);
    }

    /**
     * A trigger-mode window with the low-rate slices from before the firing, oldest first: their
     * profiles go as they are, their on-CPU stacks merged into one set.
     */
    public static NodeSliceReport of(
            JobKey job,
            String node,
            Instant start,
            Instant end,
            SliceResult slice,
            List<SliceResult> history,
            List<AgentLimitation> limitations) {
        long[] dropped = {0};
        Map<String, Long> onCpu = capped(folded(slice.stacks()), dropped);
        Map<String, Long> offCpu =
                slice.profile().offCpu() == null ? Map.of() : capped(folded(slice.blockedMicroseconds()), dropped);
        Map<String, Long> historyStacks =
                capped(folded(history.stream().flatMap(h -> h.stacks().stream()).toList()), dropped);
        List<NodeProfile> historyProfiles =
                history.stream().map(SliceResult::profile).toList();
        return new NodeSliceReport(
                NodeSliceReport.SCHEMA_VERSION,
                job,
                node,
                start,
                end,
                slice.profile(),
                onCpu,
                offCpu,
                dropped[0],
                historyProfiles,
                historyStacks,
                limitations == null ? List.of() : List.copyOf(limitations));
    }

    private static Map<String, Long> folded(List<SymbolizedStack> stacks) {
        Map<String, Long> counts = new HashMap<>();
        for (SymbolizedStack stack : stacks) {
            counts.merge(FoldedStacks.path(stack.application(), stack.frames()), stack.count(), Long::sum);
        }
        return counts;
    }

    /** Hottest first (ties by line, so equal input gives equal output), at most the cap; the rest counted. */
    private static Map<String, Long> capped(Map<String, Long> counts, long[] dropped) {
        Map<String, Long> kept = new LinkedHashMap<>();
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                        .thenComparing(Map.Entry.comparingByKey()))
                .limit(IngestContract.MAX_STACKS_PER_REPORT)
                .forEach(e -> kept.put(e.getKey(), e.getValue()));
        dropped[0] += counts.size() - kept.size();
        return kept;
    }
}
