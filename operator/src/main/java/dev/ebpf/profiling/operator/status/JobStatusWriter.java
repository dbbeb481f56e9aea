package dev.ebpf.profiling.operator.status;

import dev.ebpf.profiling.api.job.ProfilingJob;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The one writer of a job's status. It writes only when the status changed, as a replace at the
 * resourceVersion the reconcile read (not UpdateControl.patchStatus, which diffs against a cached
 * copy that can lag behind our last write): a write that races another change fails, and the
 * reconcile is retried, so no write is lost and none is applied to a status it did not read.
 */
public final class JobStatusWriter {

    private final KubernetesClient client;

    public JobStatusWriter(KubernetesClient client) {
        this.client = client;
    }

    /** Stores the built status on {@code job} (as read at the start of the reconcile) if it changed. */
    public boolean write(ProfilingJob job, JobStatusBuilder status) {
        if (!status.changed()) {
            return false;
        }
        job.setStatus(status.status());
        client.resource(job).updateStatus();
        return true;
    }
}
