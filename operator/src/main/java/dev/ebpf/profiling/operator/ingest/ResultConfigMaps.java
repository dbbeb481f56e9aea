package dev.ebpf.profiling.operator.ingest;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.profile.ProfileJson;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * The job-level result ConfigMap, one per job and slice, written by the operator: labels
 * {@link AgentContract#jobLabels} plus the slice (no node label: that marks the agents' per-node
 * results of before), owned by the job; data {@code profile.json} ({@link MergedSlice}) and
 * {@code nodes.json} (the nodes' {@link MergedSlice.NodeSummary}), binaryData the merged folded
 * stacks gzipped. Kept under {@link AgentContract#RESULT_MAX_BYTES}: the coldest stacks go first,
 * counted in {@link AgentContract#ANNOTATION_TRUNCATED_STACKS}.
 */
public final class ResultConfigMaps {

    /** Room left for the object's metadata (names, labels, owner reference, annotations). */
    private static final int METADATA_ALLOWANCE = 8_192;

    private static final ObjectMapper JSON =
            ProfileJson.mapper().copy().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** What a restarted operator reads back. */
    public record Stored(MergedSlice slice, List<MergedSlice.NodeSummary> nodes) {}

    private ResultConfigMaps() {}

    /** Whether a result ConfigMap is job-level (the operator's), not one node agent's. */
    public static boolean isJobLevel(ConfigMap configMap) {
        Map<String, String> labels = configMap.getMetadata().getLabels();
        return labels != null
                && AgentContract.COMPONENT_RESULT.equals(labels.get(AgentContract.LABEL_COMPONENT))
                && !labels.containsKey(AgentContract.LABEL_NODE);
    }

    /**
     * @param onCpu on-CPU stacks, hottest first; null or empty ones are left out
     * @param offCpu off-CPU stacks, hottest first; null or empty ones are left out
     * @param history (trigger mode) history stacks, hottest first; null or empty ones are left out
     * @param droppedBefore stacks the merge's cap already dropped, added to the annotation
     */
    static ConfigMap build(
            ProfilingJob job,
            Instant sliceStart,
            MergedSlice slice,
            List<MergedSlice.NodeSummary> nodes,
            List<Map.Entry<String, Long>> onCpu,
            List<Map.Entry<String, Long>> offCpu,
            List<Map.Entry<String, Long>> history,
            long droppedBefore) {
        String profile = json(slice);
        String nodesJson = json(nodes);
        int budget = AgentContract.RESULT_MAX_BYTES
                - METADATA_ALLOWANCE
                - profile.getBytes(StandardCharsets.UTF_8).length
                - nodesJson.getBytes(StandardCharsets.UTF_8).length;
        boolean hasOff = offCpu != null && !offCpu.isEmpty();
        boolean hasHistory = history != null && !history.isEmpty();
        // On-CPU stacks are what the status is about: twice the room of each other set.
        int others = (hasOff ? 1 : 0) + (hasHistory ? 1 : 0);
        int onBudget = Math.max(0, budget) * 2 / (2 + others);
        int otherBudget = others == 0 ? 0 : (Math.max(0, budget) - onBudget) / others;
        Folded on = Folded.of(onCpu == null ? List.of() : onCpu, onBudget);
        Folded off = hasOff ? Folded.of(offCpu, otherBudget) : null;
        Folded hist = hasHistory ? Folded.of(history, otherBudget) : null;
        long truncated =
                droppedBefore + on.dropped() + (off == null ? 0 : off.dropped()) + (hist == null ? 0 : hist.dropped());
        Map<String, String> labels =
                AgentContract.jobLabels(job.getMetadata().getName(), AgentContract.COMPONENT_RESULT);
        labels.put(AgentContract.LABEL_SLICE, AgentContract.sliceLabel(sliceStart));
        ConfigMap cm = new ConfigMapBuilder()
                .withNewMetadata()
                .withName(slice.configMap())
                .withNamespace(job.getMetadata().getNamespace())
                .addToLabels(labels)
                .addToAnnotations(AgentContract.ANNOTATION_TRUNCATED_STACKS, Long.toString(truncated))
                .addToOwnerReferences(new OwnerReferenceBuilder()
                        .withApiVersion(job.getApiVersion())
                        .withKind(job.getKind())
                        .withName(job.getMetadata().getName())
                        .withUid(job.getMetadata().getUid())
                        .withController(true)
                        .withBlockOwnerDeletion(false)
                        .build())
                .endMetadata()
                .addToData(AgentContract.RESULT_PROFILE_KEY, profile)
                .addToData(AgentContract.RESULT_NODES_KEY, nodesJson)
                .addToBinaryData(AgentContract.RESULT_ON_CPU_STACKS_KEY, on.base64())
                .build();
        if (off != null) {
            cm.getBinaryData().put(AgentContract.RESULT_OFF_CPU_STACKS_KEY, off.base64());
        }
        if (hist != null) {
            cm.getBinaryData().put(AgentContract.RESULT_HISTORY_STACKS_KEY, hist.base64());
        }
        cm.getMetadata().getAnnotations().put(AgentContract.ANNOTATION_RESULT_BYTES, Long.toString(dataBytes(cm)));
        return cm;
    }

    /** What the ConfigMap's data and binaryData take in etcd, about (keys and values; base64 as stored). */
    public static long dataBytes(ConfigMap cm) {
        long bytes = 0;
        if (cm.getData() != null) {
            for (var e : cm.getData().entrySet()) {
                bytes += e.getKey().length() + e.getValue().getBytes(StandardCharsets.UTF_8).length;
            }
        }
        if (cm.getBinaryData() != null) {
            for (var e : cm.getBinaryData().entrySet()) {
                bytes += e.getKey().length() + e.getValue().length();
            }
        }
        return bytes;
    }

    /** @throws IllegalArgumentException with one line when the ConfigMap is not a job-level result */
    public static Stored read(ConfigMap configMap) {
        String name = configMap.getMetadata().getName();
        Map<String, String> data = configMap.getData();
        String profile = data == null ? null : data.get(AgentContract.RESULT_PROFILE_KEY);
        String nodes = data == null ? null : data.get(AgentContract.RESULT_NODES_KEY);
        if (profile == null || nodes == null) {
            throw new IllegalArgumentException("result ConfigMap " + name + " lacks " + AgentContract.RESULT_PROFILE_KEY
                    + " or " + AgentContract.RESULT_NODES_KEY);
        }
        try {
            MergedSlice slice = JSON.readValue(profile, MergedSlice.class);
            List<MergedSlice.NodeSummary> summaries = JSON.readValue(nodes, new TypeReference<>() {});
            if (slice.window() == null || slice.window().id == null) {
                throw new IllegalArgumentException("result ConfigMap " + name + ": profile.json names no slice");
            }
            return new Stored(slice, summaries);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "result ConfigMap " + name + ": "
                            + e.getMessage().lines().findFirst().orElse(""),
                    e);
        }
    }

    /** Every stack as gzipped folded lines, hottest first: what the object store gets, uncut. */
    public static byte[] gzipFolded(List<Map.Entry<String, Long>> hottestFirst) {
        return Folded.gzip(hottestFirst);
    }

    /** Gzipped folded lines, hottest first, the coldest dropped until the base64 fits the budget. */
    record Folded(byte[] gzipped, int dropped) {

        static Folded of(List<Map.Entry<String, Long>> hottestFirst, long budgetBytes) {
            int kept = hottestFirst.size();
            byte[] bytes = gzip(hottestFirst);
            while (base64Length(bytes) > budgetBytes && kept > 0) {
                kept = kept * 9 / 10;
                bytes = gzip(hottestFirst.subList(0, kept));
            }
            return new Folded(bytes, hottestFirst.size() - kept);
        }

        String base64() {
            return Base64.getEncoder().encodeToString(gzipped);
        }

        private static long base64Length(byte[] bytes) {
            return 4L * ((bytes.length + 2) / 3);
        }

        private static byte[] gzip(List<Map.Entry<String, Long>> stacks) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (Writer out = new OutputStreamWriter(new GZIPOutputStream(bytes), StandardCharsets.UTF_8)) {
                for (Map.Entry<String, Long> stack : stacks) {
                    out.write(stack.getKey());
                    out.write(' ');
                    out.write(Long.toString(stack.getValue()));
                    out.write('\n');
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
