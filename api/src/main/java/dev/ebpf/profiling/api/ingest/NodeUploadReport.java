package dev.ebpf.profiling.api.ingest;

import java.util.List;

/**
 * What one node put in its job's object store for one slice, pushed to
 * {@link IngestContract#UPLOADS_PATH} once the upload is over (a random delay after the slice's
 * end, so the nodes do not all put in the same second). The operator counts it in the job's
 * {@code status.objectStore} and links to the objects.
 *
 * @param schemaVersion {@link #SCHEMA_VERSION}
 * @param job           the job
 * @param node          the reporting node; must be the node of the agent whose token came with it
 * @param slice         the slice's label ({@code 20261126T120500Z})
 * @param objects       the {@code s3://bucket/key} URIs written; empty when the upload failed
 * @param failure       why the upload failed, as a reason ({@code ObjectStoreUnreachable}); null when it worked
 * @param message       one line explaining {@code failure}; null when it worked
 */
public record NodeUploadReport(
        int schemaVersion,
        JobKey job,
        String node,
        String slice,
        List<String> objects,
        String failure,
        String message) {

    public static final int SCHEMA_VERSION = 1;

    /** At most this many objects per report: pprof and folded stacks, on- and off-CPU. */
    public static final int MAX_OBJECTS = 8;

    public boolean failed() {
        return failure != null;
    }
}
