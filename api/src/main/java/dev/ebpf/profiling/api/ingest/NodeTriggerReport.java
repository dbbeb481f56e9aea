package dev.ebpf.profiling.api.ingest;

import dev.ebpf.profiling.api.job.NodeTriggerState;

/**
 * Trigger mode: one node's trigger state for one job, pushed to {@link IngestContract#TRIGGER_STATES_PATH}
 * at every firing and phase change, else at most every 30 s. A firing's window then arrives as a
 * {@link NodeSliceReport} whose slice starts at the firing.
 */
public record NodeTriggerReport(int schemaVersion, JobKey job, String node, NodeTriggerState state) {

    public static final int SCHEMA_VERSION = 1;
}
