package dev.ebpf.profiling.operator.web;

import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.operator.NodeResult;
import dev.ebpf.profiling.operator.OwnedObjects;
import dev.ebpf.profiling.operator.ingest.ResultConfigMaps;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * Reads jobs and their result ConfigMaps from the API server, never from the operator's caches: a
 * restarted operator serves the whole history the cluster still keeps. A job page lists its result
 * ConfigMaps by metadata only ({@link ResultIndex}) and reads each slice's small summary once, one
 * ConfigMap at a time, into a bounded cache keyed by resourceVersion (a result is written once);
 * the stacks are read only for the one flame graph asked for, and ungzipped with a cap.
 */
final class JobHistory {

    /** Largest folded stacks the web view ungzips: a result is under 1 MiB compressed, far below this. */
    static final int MAX_FOLDED_BYTES = 32 * 1024 * 1024;
    /** Slice summaries kept (a few KB each). */
    static final int MAX_SUMMARIES = 5_000;

    /** The jobs' result ConfigMaps: those read, and one line per ConfigMap that could not be. */
    record Results(List<NodeSlice> slices, List<String> unreadable) {}

    /** Namespace and job names are DNS names; anything else cannot name a job, and is not sent on. */
    private static final Pattern DNS_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    /** A slice label as {@link AgentContract#sliceLabel} writes it. */
    private static final Pattern SLICE = Pattern.compile("\\d{8}T\\d{6}Z");

    private final KubernetesClient client;
    private final ResultIndex index;
    private final Map<String, NodeSlice> summaries = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, NodeSlice> eldest) {
            return size() > MAX_SUMMARIES;
        }
    };

    JobHistory(KubernetesClient client) {
        this.client = client;
        this.index = new ResultIndex(client);
    }

    /** Every ProfilingJob the operator can see, by namespace then name. */
    List<ProfilingJob> jobs() {
        List<ProfilingJob> jobs = new ArrayList<>(
                client.resources(ProfilingJob.class).inAnyNamespace().list().getItems());
        jobs.sort(Comparator.comparing((ProfilingJob j) -> j.getMetadata().getNamespace())
                .thenComparing(j -> j.getMetadata().getName()));
        return jobs;
    }

    /** Whether a path segment can name a namespace or a job (a DNS name). */
    static boolean isName(String value) {
        return value != null && DNS_NAME.matcher(value).matches();
    }

    /** @throws PageError 404 when there is no such job */
    ProfilingJob job(String namespace, String name) {
        ProfilingJob job =
                DNS_NAME.matcher(namespace).matches() && DNS_NAME.matcher(name).matches()
                        ? client.resources(ProfilingJob.class)
                                .inNamespace(namespace)
                                .withName(name)
                                .get()
                        : null;
        if (job == null) {
            throw new PageError(PageError.NOT_FOUND, "There is no ProfilingJob " + namespace + "/" + name + ".");
        }
        return job;
    }

    /**
     * The job's result ConfigMaps that are still in the cluster: one per slice, written by the
     * operator from its nodes' pushed reports (it keeps {@code retention} slices).
     */
    Results results(ProfilingJob job) {
        List<NodeSlice> slices = new ArrayList<>();
        List<String> unreadable = new ArrayList<>();
        Map<String, String> labels = OwnedObjects.selector(job, AgentContract.COMPONENT_RESULT);
        for (ObjectMeta meta : index.list(job.getMetadata().getNamespace(), labels)) {
            ConfigMap shell = new ConfigMap();
            shell.setMetadata(meta);
            if (!ResultConfigMaps.isJobLevel(shell)) {
                continue; // not one the operator wrote
            }
            String key = meta.getNamespace() + "/" + meta.getName() + "@" + meta.getResourceVersion();
            NodeSlice known;
            synchronized (summaries) {
                known = summaries.get(key);
            }
            if (known != null) {
                slices.add(known);
                continue;
            }
            ConfigMap configMap = client.configMaps()
                    .inNamespace(job.getMetadata().getNamespace())
                    .withName(meta.getName())
                    .get();
            if (configMap == null) {
                continue; // pruned since the listing
            }
            try {
                NodeSlice slice = summary(configMap);
                synchronized (summaries) {
                    summaries.put(key, slice);
                }
                slices.add(slice);
            } catch (IllegalArgumentException e) {
                unreadable.add(e.getMessage());
            }
        }
        return new Results(slices, unreadable);
    }

    /** A slice's summary: what the job page shows of it, without the stacks. */
    private static NodeSlice summary(ConfigMap configMap) {
        Map<String, String> binary = binaryData(configMap);
        Set<StackSet> stacks = EnumSet.noneOf(StackSet.class);
        for (StackSet set : StackSet.values()) {
            if (binary.containsKey(set.key())) {
                stacks.add(set);
            }
        }
        NodeResult result = JobLevelResults.asNodeResult(configMap);
        return new NodeSlice(result, stacks, truncated(configMap));
    }

    /**
     * The folded stacks of one node's slice, ungzipped.
     *
     * @throws PageError 404 when the slice, the node's result or its stacks of that kind are absent;
     *                   500 when the stacks are not gzip
     */
    String foldedStacks(ProfilingJob job, String slice, String node, StackSet stacks) {
        String where = "job " + job.getMetadata().getNamespace() + "/"
                + job.getMetadata().getName() + ", slice " + slice + ", node " + node;
        List<ConfigMap> found;
        if (SLICE.matcher(slice).matches() && JobLevelResults.ALL_NODES.equals(node)) {
            found = resultConfigMaps(job, Map.of(AgentContract.LABEL_SLICE, slice)).stream()
                    .filter(ResultConfigMaps::isJobLevel)
                    .toList();
        } else {
            found = List.of(); // a job's results are merged over its nodes: one column, all-nodes
        }
        if (found.isEmpty()) {
            throw new PageError(
                    PageError.NOT_FOUND,
                    "No result ConfigMap for " + where + " (never written, or pruned beyond the job's retention).");
        }
        ConfigMap configMap = found.getFirst();
        String key = stacks.key();
        String base64 = binaryData(configMap).get(key);
        if (base64 == null) {
            throw new PageError(
                    PageError.NOT_FOUND,
                    "Result ConfigMap " + configMap.getMetadata().getName() + " has no " + stacks.id() + " stacks ("
                            + key + ") for " + where + ".");
        }
        try (GZIPInputStream in =
                new GZIPInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(base64)))) {
            byte[] plain = in.readNBytes(MAX_FOLDED_BYTES + 1);
            if (plain.length > MAX_FOLDED_BYTES) {
                throw new PageError(
                        PageError.TOO_LARGE,
                        "Result ConfigMap " + configMap.getMetadata().getName() + ": " + key + " is larger than "
                                + (MAX_FOLDED_BYTES >> 20) + " MiB once ungzipped; the web view does not draw it.");
            }
            return new String(plain, StandardCharsets.UTF_8);
        } catch (IOException | IllegalArgumentException e) {
            throw new PageError(
                    PageError.UNREADABLE,
                    "Result ConfigMap " + configMap.getMetadata().getName() + ": " + key + " is not gzipped base64: "
                            + e.getMessage());
        }
    }

    private List<ConfigMap> resultConfigMaps(ProfilingJob job, Map<String, String> moreLabels) {
        Map<String, String> labels = new HashMap<>(OwnedObjects.selector(job, AgentContract.COMPONENT_RESULT));
        labels.putAll(moreLabels);
        return client.configMaps()
                .inNamespace(job.getMetadata().getNamespace())
                .withLabels(labels)
                .list()
                .getItems();
    }

    private static Map<String, String> binaryData(ConfigMap configMap) {
        return configMap.getBinaryData() == null ? Map.of() : configMap.getBinaryData();
    }

    /** The agent's truncation note; a missing or unreadable note counts as nothing dropped. */
    private static int truncated(ConfigMap configMap) {
        Map<String, String> annotations = configMap.getMetadata().getAnnotations();
        String value = annotations == null ? null : annotations.get(AgentContract.ANNOTATION_TRUNCATED_STACKS);
        try {
            return value == null ? 0 : Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
