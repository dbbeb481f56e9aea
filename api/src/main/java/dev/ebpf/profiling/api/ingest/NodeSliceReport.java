package dev.ebpf.profiling.api.ingest;

import dev.ebpf.profiling.api.profile.NodeProfile;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One node's share of one job's slice, as an agent pushes it to {@link IngestContract#SLICES_PATH}.
 * The operator merges the reports of a slice as they arrive into the job's status and one result
 * ConfigMap per job and slice.
 *
 * @param schemaVersion {@link #SCHEMA_VERSION}; the operator refuses another with a 400 and one line
 * @param job           the job this slice is for, at the generation the agent acted on
 * @param node          the reporting node; must be the node of the agent whose token came with it
 * @param sliceStart    the slice's start (the same on every node of a job: slices are wall-clock aligned)
 * @param sliceEnd      the slice's end
 * @param profile       the node's summary: top applications, hotspots, off-CPU
 * @param onCpuStacks   folded on-CPU stacks ({@code frame;frame;leaf}) to sample counts, hottest first, at
 *                      most {@link IngestContract#MAX_STACKS_PER_REPORT}
 * @param offCpuStacks  folded off-CPU stacks to blocked microseconds, likewise capped; empty without off-CPU
 * @param droppedStacks stacks left out by the cap
 * @param history       trigger mode: the low-rate slices from before the firing, oldest first; else empty
 * @param historyStacks trigger mode: their merged on-CPU stacks; else empty
 * @param limitations   what the agent could not do on this node and why (e.g. kernel symbols hidden), empty when none
 */
public record NodeSliceReport(
        int schemaVersion,
        JobKey job,
        String node,
        Instant sliceStart,
        Instant sliceEnd,
        NodeProfile profile,
        Map<String, Long> onCpuStacks,
        Map<String, Long> offCpuStacks,
        long droppedStacks,
        List<NodeProfile> history,
        Map<String, Long> historyStacks,
        List<AgentLimitation> limitations) {

    public static final int SCHEMA_VERSION = 1;
}
