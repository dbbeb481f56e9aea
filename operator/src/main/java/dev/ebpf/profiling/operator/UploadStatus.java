package dev.ebpf.profiling.operator;

import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.ObjectStoreSpec;
import dev.ebpf.profiling.api.job.ObjectStoreStatus;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import dev.ebpf.profiling.operator.status.Conditions;
import dev.ebpf.profiling.operator.status.JobEvents;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * {@code status.objectStore} and the {@code Uploaded} condition of a job with
 * {@code spec.output.objectStore}, from what each node's agent wrote on its result ConfigMaps
 * (the annotations in {@link AgentContract}): per node the newest reported upload state and the
 * newest slice in the store; a Warning Event when the reason uploads fail is new, and when the
 * spools dropped more slices.
 */
public final class UploadStatus {

    static final String NO_UPLOAD_YET = "NoUploadYet";
    static final String UPLOADS_DROPPED = "UploadsDropped";

    private UploadStatus() {}

    /** Sets the upload parts of {@code status} from the job's result ConfigMaps; for a job without a store, removes them. */
    public static void update(
            ProfilingJob job,
            List<ConfigMap> resultConfigMaps,
            ProfilingJobStatus old,
            ProfilingJobStatus status,
            Instant now,
            long generation,
            JobEvents.Pending events) {
        ObjectStoreSpec store = job.getSpec().output == null ? null : job.getSpec().output.objectStore;
        if (store == null) {
            status.objectStore = null;
            Conditions.remove(status.conditions, ProfilingJobStatus.UPLOADED);
            return;
        }
        ObjectStoreStatus uploads = collect(resultConfigMaps, store);
        status.objectStore = uploads;
        condition(uploads, old, status, now, generation, events);
        long droppedBefore =
                old.objectStore == null || old.objectStore.droppedSlices == null ? 0 : old.objectStore.droppedSlices;
        if (uploads.droppedSlices > droppedBefore) {
            events.warning(
                    UPLOADS_DROPPED,
                    (uploads.droppedSlices - droppedBefore) + " more slice(s) dropped by the"
                            + " nodes' spool bounds before upload (" + uploads.droppedSlices + " in all): "
                            + uploads.nodes.stream()
                                    .filter(n -> n.droppedReason != null)
                                    .map(n -> n.node + ": " + n.droppedReason)
                                    .collect(Collectors.joining("; ")));
        }
    }

    private static ObjectStoreStatus collect(List<ConfigMap> resultConfigMaps, ObjectStoreSpec store) {
        Map<String, List<ConfigMap>> byNode = resultConfigMaps.stream()
                .filter(cm -> cm.getMetadata().getLabels().get(AgentContract.LABEL_NODE) != null
                        && cm.getMetadata().getLabels().get(AgentContract.LABEL_SLICE) != null)
                .collect(Collectors.groupingBy(
                        cm -> cm.getMetadata().getLabels().get(AgentContract.LABEL_NODE),
                        TreeMap::new,
                        Collectors.toList()));
        ObjectStoreStatus uploads = new ObjectStoreStatus();
        uploads.location =
                "s3://" + store.bucket + (store.effectivePrefix().isEmpty() ? "" : "/" + store.effectivePrefix());
        uploads.pendingSlices = 0L;
        uploads.droppedSlices = 0L;
        byNode.forEach((node, results) -> {
            results.sort(Comparator.comparing(
                            (ConfigMap cm) -> cm.getMetadata().getLabels().get(AgentContract.LABEL_SLICE))
                    .reversed());
            ObjectStoreStatus.NodeUploadStatus n = new ObjectStoreStatus.NodeUploadStatus();
            n.node = node;
            newestWith(results, AgentContract.ANNOTATION_UPLOAD_STATE).ifPresent(cm -> {
                Map<String, String> a = cm.getMetadata().getAnnotations();
                n.state = a.get(AgentContract.ANNOTATION_UPLOAD_STATE);
                n.message = blankToNull(a.get(AgentContract.ANNOTATION_UPLOAD_MESSAGE));
                n.pendingSlices = number(a.get(AgentContract.ANNOTATION_UPLOADS_PENDING));
                n.droppedSlices = number(a.get(AgentContract.ANNOTATION_UPLOADS_DROPPED));
                n.droppedReason = blankToNull(a.get(AgentContract.ANNOTATION_UPLOADS_DROPPED_REASON));
            });
            newestWith(results, AgentContract.ANNOTATION_OBJECTS).ifPresent(cm -> {
                n.slice = cm.getMetadata().getLabels().get(AgentContract.LABEL_SLICE);
                n.objects = Arrays.stream(cm.getMetadata()
                                .getAnnotations()
                                .get(AgentContract.ANNOTATION_OBJECTS)
                                .split(","))
                        .filter(s -> !s.isBlank())
                        .toList();
            });
            uploads.pendingSlices += n.pendingSlices == null ? 0 : n.pendingSlices;
            uploads.droppedSlices += n.droppedSlices == null ? 0 : n.droppedSlices;
            uploads.nodes.add(n);
        });
        return uploads;
    }

    /** True when every node that reported uploads fine; else the failing nodes' reason and messages. */
    private static void condition(
            ObjectStoreStatus uploads,
            ProfilingJobStatus old,
            ProfilingJobStatus status,
            Instant now,
            long generation,
            JobEvents.Pending events) {
        List<ObjectStoreStatus.NodeUploadStatus> failing = uploads.nodes.stream()
                .filter(n -> n.state != null && !AgentContract.UPLOAD_STATE_OK.equals(n.state))
                .toList();
        boolean anyReported = uploads.nodes.stream().anyMatch(n -> n.state != null);
        Optional<String> oldReason =
                Conditions.find(old.conditions, ProfilingJobStatus.UPLOADED).map(c -> c.getReason());
        if (!failing.isEmpty()) {
            String reason = failing.getFirst().state;
            String message = failing.stream()
                    .map(n -> n.node + ": " + n.message + " (" + n.pendingSlices + " slice(s) waiting)")
                    .collect(Collectors.joining("; "));
            Conditions.set(status.conditions, ProfilingJobStatus.UPLOADED, false, reason, message, generation, now);
            if (!oldReason.equals(Optional.of(reason))) {
                events.warning(reason, message);
            }
        } else if (!anyReported) {
            Conditions.set(
                    status.conditions,
                    ProfilingJobStatus.UPLOADED,
                    false,
                    NO_UPLOAD_YET,
                    "no node has reported an upload to " + uploads.location + " yet",
                    generation,
                    now);
        } else {
            Conditions.set(
                    status.conditions,
                    ProfilingJobStatus.UPLOADED,
                    true,
                    AgentContract.UPLOAD_STATE_OK,
                    "every node uploads its slices to " + uploads.location,
                    generation,
                    now);
            if (oldReason.isPresent()
                    && !oldReason.get().equals(AgentContract.UPLOAD_STATE_OK)
                    && !oldReason.get().equals(NO_UPLOAD_YET)) {
                events.normal(AgentContract.UPLOAD_STATE_OK, "Uploads to " + uploads.location + " work again");
            }
        }
    }

    private static Optional<ConfigMap> newestWith(List<ConfigMap> newestFirst, String annotation) {
        return newestFirst.stream()
                .filter(cm -> cm.getMetadata().getAnnotations() != null
                        && cm.getMetadata().getAnnotations().get(annotation) != null)
                .findFirst();
    }

    private static Long number(String text) {
        try {
            return text == null ? null : Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            return null; // an agent's bad annotation must not break the status
        }
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text;
    }
}
