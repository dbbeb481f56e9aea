package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.agent.output.folded.FoldedStacks;
import dev.ebpf.profiling.agent.profile.SliceResult;
import dev.ebpf.profiling.agent.symbolize.SymbolizedStack;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.AgentJobConfig;
import dev.ebpf.profiling.api.profile.ProfileJson;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Writes one result ConfigMap per node and slice, as the operator expects it (see
 * {@link AgentContract}), kept under the ConfigMap size limit, and deletes this node's results
 * beyond the job's retention.
 */
public final class ResultPublisher {

    /** Room left for the object's metadata (names, labels, owner reference, annotations). */
    private static final int METADATA_ALLOWANCE = 8_192;

    private final KubernetesClient client;
    private final String node;

    public ResultPublisher(KubernetesClient client, String node) {
        this.client = client;
        this.node = node;
    }

    /**
     * Creates (or replaces) the slice's result ConfigMap; returns its name. On-CPU stacks count
     * samples; off-CPU stacks count microseconds blocked.
     */
    public String publish(AgentJobConfig config, Instant sliceStart, SliceResult slice) {
        return publish(config, sliceStart, slice, List.of());
    }

    /**
     * As {@link #publish(AgentJobConfig, Instant, SliceResult)}, with a triggered window's
     * history: the low-rate slices from before the firing, oldest first (none: no history keys).
     */
    public String publish(AgentJobConfig config, Instant sliceStart, SliceResult slice, List<SliceResult> history) {
        String json = json(slice.profile());
        String historyJson = history.isEmpty()
                ? ""
                : json(history.stream().map(SliceResult::profile).toList());
        int budget = AgentContract.RESULT_MAX_BYTES - METADATA_ALLOWANCE - utf8Length(json) - utf8Length(historyJson);
        boolean offCpu = slice.profile().offCpu() != null;
        // The window's on-CPU stacks are what the status is about: they get twice the room of the
        // off-CPU stacks and of the history's, when those are present.
        int others = (offCpu ? 1 : 0) + (history.isEmpty() ? 0 : 1);
        int onCpuBudget = budget * 2 / (2 + others);
        int otherBudget = others == 0 ? 0 : (budget - onCpuBudget) / others;
        FoldedWithinBudget onCpuStacks = FoldedWithinBudget.of(slice.stacks(), onCpuBudget);
        FoldedWithinBudget offCpuStacks =
                offCpu ? FoldedWithinBudget.of(slice.blockedMicroseconds(), otherBudget) : null;
        FoldedWithinBudget historyStacks = history.isEmpty()
                ? null
                : FoldedWithinBudget.of(
                        history.stream().flatMap(h -> h.stacks().stream()).toList(), otherBudget);
        int truncated = onCpuStacks.dropped()
                + (offCpuStacks == null ? 0 : offCpuStacks.dropped())
                + (historyStacks == null ? 0 : historyStacks.dropped());
        String name = AgentContract.resultName(config.job().name(), node, sliceStart);
        Map<String, String> labels = JobOwnedObjects.labels(config, AgentContract.COMPONENT_RESULT, node);
        labels.put(AgentContract.LABEL_SLICE, AgentContract.sliceLabel(sliceStart));
        ConfigMap result = new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(config.job().namespace())
                .addToLabels(labels)
                .addToAnnotations(AgentContract.ANNOTATION_TRUNCATED_STACKS, Integer.toString(truncated))
                .addToOwnerReferences(JobOwnedObjects.owner(config))
                .endMetadata()
                .addToData(AgentContract.RESULT_PROFILE_KEY, json)
                .addToBinaryData(AgentContract.RESULT_ON_CPU_STACKS_KEY, onCpuStacks.base64())
                .build();
        if (offCpuStacks != null) {
            result.getBinaryData().put(AgentContract.RESULT_OFF_CPU_STACKS_KEY, offCpuStacks.base64());
        }
        if (historyStacks != null) {
            result.getData().put(AgentContract.RESULT_HISTORY_KEY, historyJson);
            result.getBinaryData().put(AgentContract.RESULT_HISTORY_STACKS_KEY, historyStacks.base64());
        }
        client.configMaps()
                .inNamespace(config.job().namespace())
                .resource(result)
                .createOr(existing -> existing.update());
        return name;
    }

    /** Deletes this node's result ConfigMaps of the job beyond the newest {@code retention} slices. */
    public int pruneBeyondRetention(AgentJobConfig config) {
        List<ConfigMap> results = new ArrayList<>(client.configMaps()
                .inNamespace(config.job().namespace())
                .withLabels(Map.of(
                        AgentContract.LABEL_JOB,
                        AgentContract.labelValue(config.job().name()),
                        AgentContract.LABEL_COMPONENT,
                        AgentContract.COMPONENT_RESULT,
                        AgentContract.LABEL_NODE,
                        AgentContract.labelValue(node)))
                .list()
                .getItems());
        // The slice label (yyyyMMdd'T'HHmmss'Z') sorts in time order.
        results.sort(Comparator.comparing(
                        (ConfigMap c) -> c.getMetadata().getLabels().get(AgentContract.LABEL_SLICE))
                .reversed());
        List<ConfigMap> old = results.subList(Math.min(config.retention(), results.size()), results.size());
        old.forEach(c -> client.configMaps()
                .inNamespace(config.job().namespace())
                .withName(c.getMetadata().getName())
                .delete());
        return old.size();
    }

    /** Gzipped folded stacks, hottest first, with the coldest dropped until their base64 fits the budget. */
    record FoldedWithinBudget(byte[] gzipped, int dropped) {

        static FoldedWithinBudget of(List<SymbolizedStack> stacks, long budgetBytes) {
            List<SymbolizedStack> hottestFirst = new ArrayList<>(stacks);
            hottestFirst.sort(Comparator.comparingLong(SymbolizedStack::count).reversed());
            int kept = hottestFirst.size();
            byte[] folded = gzippedFolded(hottestFirst);
            while (base64Length(folded) > budgetBytes && kept > 0) {
                kept = kept * 9 / 10;
                folded = gzippedFolded(hottestFirst.subList(0, kept));
            }
            return new FoldedWithinBudget(folded, hottestFirst.size() - kept);
        }

        String base64() {
            return Base64.getEncoder().encodeToString(gzipped);
        }
    }

    private static int utf8Length(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    private static String json(Object profile) {
        try {
            return ProfileJson.mapper().writeValueAsString(profile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] gzippedFolded(List<SymbolizedStack> stacks) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Writer out = new OutputStreamWriter(new GZIPOutputStream(bytes), StandardCharsets.UTF_8)) {
            FoldedStacks.write(stacks, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static long base64Length(byte[] bytes) {
        return 4L * ((bytes.length + 2) / 3);
    }
}
