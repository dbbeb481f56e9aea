package dev.ebpf.profiling.operator.stores;

import dev.ebpf.profiling.api.ingest.NodeUploadReport;
import dev.ebpf.profiling.api.job.ObjectStoreStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the operator knows of a job's uploads, bounded whatever the node count: of the newest slice
 * any node reported, the counts of nodes that uploaded and failed, at most
 * {@link ObjectStoreStatus#MAX_NAMES} failing nodes and objects; the failures over all slices as a
 * count; and the operator's own merged upload of the newest merged slice. In memory only: after a
 * restart the next slice's reports fill it again.
 */
final class UploadLedger {

    /** Jobs remembered; the least recently reported is forgotten past this (deleted jobs). */
    static final int MAX_JOBS = 10_000;

    private static final class JobUploads {
        String slice;
        long nodesUploaded;
        long nodesFailed;
        final Map<String, String> failedNodes = new TreeMap<>();
        final List<String> nodeObjects = new ArrayList<>();
        long failedTotal;
        String mergedSlice;
        List<String> mergedObjects = List.of();
        String mergedFailure;
    }

    private final Map<String, JobUploads> jobs = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, JobUploads> eldest) {
            return size() > MAX_JOBS;
        }
    };

    /** A node's report: counted in its slice when that is the newest, and in the failures total when it failed. */
    synchronized void node(String jobUid, NodeUploadReport report) {
        JobUploads job = jobs.computeIfAbsent(jobUid, u -> new JobUploads());
        if (report.failed()) {
            job.failedTotal++;
        }
        if (job.slice != null && report.slice().compareTo(job.slice) < 0) {
            return; // a late report of an older slice: the status shows the newest
        }
        if (!report.slice().equals(job.slice)) {
            job.slice = report.slice();
            job.nodesUploaded = 0;
            job.nodesFailed = 0;
            job.failedNodes.clear();
            job.nodeObjects.clear();
        }
        if (report.failed()) {
            job.nodesFailed++;
            if (job.failedNodes.size() < ObjectStoreStatus.MAX_NAMES) {
                job.failedNodes.put(report.node(), report.failure());
            }
        } else {
            job.nodesUploaded++;
            for (String object : report.objects()) {
                if (job.nodeObjects.size() < ObjectStoreStatus.MAX_NAMES) {
                    job.nodeObjects.add(object);
                }
            }
        }
    }

    /** The operator's upload of a merged slice: its objects, or why it failed. */
    synchronized void merged(String jobUid, String slice, List<String> objects, String failure) {
        JobUploads job = jobs.computeIfAbsent(jobUid, u -> new JobUploads());
        if (job.mergedSlice != null && slice.compareTo(job.mergedSlice) < 0) {
            return;
        }
        job.mergedSlice = slice;
        job.mergedObjects = List.copyOf(objects);
        job.mergedFailure = failure;
    }

    /** The status part, without store and location; null when nothing was reported yet. */
    synchronized ObjectStoreStatus status(String jobUid) {
        JobUploads job = jobs.get(jobUid);
        if (job == null) {
            return null;
        }
        ObjectStoreStatus status = new ObjectStoreStatus();
        status.slice = job.slice != null ? job.slice : job.mergedSlice;
        status.nodesUploaded = job.nodesUploaded;
        status.nodesFailed = job.nodesFailed;
        job.failedNodes.forEach((node, reason) -> status.failedNodes.add(node + ": " + reason));
        status.nodeObjects.addAll(job.nodeObjects);
        status.failedUploads = job.failedTotal;
        status.mergedObjects.addAll(job.mergedObjects);
        status.mergedFailure = job.mergedFailure;
        return status;
    }
}
