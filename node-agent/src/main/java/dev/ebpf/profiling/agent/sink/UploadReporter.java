package dev.ebpf.profiling.agent.sink;

import dev.ebpf.profiling.api.ingest.NodeUploadReport;

/** Where a finished upload is told: the ingest client, which pushes it to the operator. */
@FunctionalInterface
public interface UploadReporter {
    void report(NodeUploadReport report);
}
