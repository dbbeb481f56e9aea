package dev.ebpf.profiling.operator.stores;

import dev.ebpf.profiling.api.job.ObjectStoreStatus;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import dev.ebpf.profiling.api.store.ObjectStoreContract;
import dev.ebpf.profiling.operator.status.Conditions;
import java.time.Instant;

/**
 * Puts a job's uploads into its status: {@code status.objectStore} (bounded, see
 * {@link ObjectStoreStatus}) and the Uploaded condition, False with the first failure's reason when
 * some node's or the operator's upload of the newest slice failed. Jobs without a store get neither.
 */
public final class ObjectStoreReport {

    private ObjectStoreReport() {}

    public static void update(ObjectStoreStatus uploads, ProfilingJobStatus status, Instant now, long generation) {
        status.objectStore = uploads;
        if (uploads == null) {
            status.conditions.removeIf(c -> ProfilingJobStatus.UPLOADED.equals(c.getType()));
            return;
        }
        long failed = uploads.nodesFailed == null ? 0 : uploads.nodesFailed;
        if (failed > 0) {
            String first = uploads.failedNodes.isEmpty() ? "" : uploads.failedNodes.getFirst();
            String reason = first.contains(": ") ? first.substring(first.indexOf(": ") + 2) : "ObjectStoreUploadFailed";
            Conditions.set(
                    status.conditions,
                    ProfilingJobStatus.UPLOADED,
                    false,
                    reason,
                    failed + " node(s) could not upload slice " + uploads.slice + " to " + uploads.location + ", e.g. "
                            + first,
                    generation,
                    now);
        } else if (uploads.mergedFailure != null) {
            String reason = uploads.mergedFailure.contains(":")
                    ? uploads.mergedFailure.substring(0, uploads.mergedFailure.indexOf(':'))
                    : "ObjectStoreUploadFailed";
            Conditions.set(
                    status.conditions,
                    ProfilingJobStatus.UPLOADED,
                    false,
                    reason,
                    "the operator could not upload the merged slice: " + cap(uploads.mergedFailure),
                    generation,
                    now);
        } else if (uploads.slice != null) {
            Conditions.set(
                    status.conditions,
                    ProfilingJobStatus.UPLOADED,
                    true,
                    ObjectStoreContract.UPLOADED,
                    "slice " + uploads.slice + " is in " + uploads.location,
                    generation,
                    now);
        }
    }

    private static String cap(String message) {
        return message.length() <= 300 ? message : message.substring(0, 300) + "...";
    }
}
