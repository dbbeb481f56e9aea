package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.agent.profile.SliceResult;
import dev.ebpf.profiling.api.ingest.AgentLimitation;
import java.util.List;

/**
 * Where the agent hands each job's slice of this node: the ingest client pushes it to the operator
 * as a {@link dev.ebpf.profiling.api.ingest.NodeSliceReport} ({@link SliceReports#of} builds one).
 * Called on the agent's slice thread, once per job and slice; an implementation must not block for
 * long (queue and retry on its own thread) and must not throw for a failed delivery.
 */
@FunctionalInterface
public interface JobSliceSink {

    /**
     * @param job     the job as the agent runs it; its key has the generation the agent acted on
     * @param window  the job's slice window (the same on every node: wall-clock aligned)
     * @param result  the node's slice for this job, pods named
     * @param history trigger mode: the low-rate slices from before the firing, oldest first; else empty
     * @param limitations what this node cannot do and why (the report's {@code limitations}); empty when nothing
     */
    void publish(
            AgentJob job,
            SliceWindow window,
            SliceResult result,
            List<SliceResult> history,
            List<AgentLimitation> limitations);
}
