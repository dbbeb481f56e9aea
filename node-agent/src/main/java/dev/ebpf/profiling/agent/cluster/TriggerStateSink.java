package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.api.ingest.NodeTriggerReport;

/**
 * Where a trigger-mode job's state on this node goes: at every firing and phase change, else at
 * most every {@link dev.ebpf.profiling.api.job.NodeTriggerState#REFRESH_SECONDS} seconds. The
 * ingest client pushes it to the operator. Must not block for long, and must not throw for a
 * failed delivery.
 */
@FunctionalInterface
public interface TriggerStateSink {

    void publish(NodeTriggerReport report);
}
