package dev.ebpf.profiling.agent.sink;

import java.util.List;

/**
 * A snapshot of the sink for conditions, Events, metrics and the job status.
 *
 * @param state           healthy or why not
 * @param message         one line explaining {@code state}; empty when READY
 * @param pendingSlices   slices waiting in the spool ("uploads pending")
 * @param pendingBytes    their size on disk
 * @param uploadedSlices  slices uploaded since the sink started
 * @param dropped         what the spool bound forced out
 * @param lastUploadedUris {@code s3://bucket/key} of the objects of the newest uploaded slice,
 *                        for the status to link to
 */
public record SinkStatus(
        SinkState state,
        String message,
        int pendingSlices,
        long pendingBytes,
        long uploadedSlices,
        DroppedSlices dropped,
        List<String> lastUploadedUris) {

    public SinkStatus {
        lastUploadedUris = List.copyOf(lastUploadedUris);
    }
}
