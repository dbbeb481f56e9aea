package dev.ebpf.profiling.api.job;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The names the operator and the node agent share in the cluster: labels, the agent pod's
 * environment, and the keys and names of the result ConfigMaps the operator writes (one per job
 * and slice, from the reports the agents push to its ingest endpoint). See the "Operator" section
 * of the README for the layout as a whole.
 */
public final class AgentContract {

    /** Every object the operator creates for a job carries this label, with the job's name. */
    public static final String LABEL_JOB = "profiling.ebpf.dev/job";
    /** What the object is: one of the COMPONENT_ values. */
    public static final String LABEL_COMPONENT = "profiling.ebpf.dev/component";
    /** The node an object belongs to; a job-level result ConfigMap has none (it merges every node). */
    public static final String LABEL_NODE = "profiling.ebpf.dev/node";
    /** The slice of a result ConfigMap: its start as {@link #sliceLabel(Instant)}. */
    public static final String LABEL_SLICE = "profiling.ebpf.dev/slice";

    public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY = "ebpf-profiler-operator";

    public static final String COMPONENT_AGENT = "node-agent";
    public static final String COMPONENT_RESULT = "result";
    /** Environment of the agent pod: its node (downward API spec.nodeName) and namespace. */
    public static final String ENV_NODE_NAME = "NODE_NAME";

    public static final String ENV_POD_NAMESPACE = "POD_NAMESPACE";
    /** The port the agent serves Prometheus metrics on ({@code /metrics}); 0 turns them off. */
    public static final String ENV_METRICS_PORT = "METRICS_PORT";

    public static final int METRICS_PORT = 9464;
    public static final String METRICS_PORT_NAME = "metrics";

    /** Result ConfigMap keys: the NodeProfile JSON (data) and gzipped folded stacks (binaryData). */
    public static final String RESULT_PROFILE_KEY = "profile.json";

    public static final String RESULT_ON_CPU_STACKS_KEY = "on-cpu.folded.gz";
    public static final String RESULT_OFF_CPU_STACKS_KEY = "off-cpu.folded.gz";
    /** Trigger mode: the low-rate slices' merged on-CPU stacks from before the firing, gzipped folded (binaryData). */
    public static final String RESULT_HISTORY_STACKS_KEY = "history-on-cpu.folded.gz";
    /**
     * A job-level result ConfigMap (written by the operator from the agents' pushed reports, one per
     * job and slice, no node label): the nodes' small summaries as a JSON array, beside the merged
     * {@link #RESULT_PROFILE_KEY} and the merged folded stacks.
     */
    public static final String RESULT_NODES_KEY = "nodes.json";
    /** Set on a result ConfigMap when its coldest stacks were dropped to stay under 1 MiB: how many. */
    public static final String ANNOTATION_TRUNCATED_STACKS = "profiling.ebpf.dev/truncated-stacks";

    /**
     * On a job-level result ConfigMap: the bytes of its data and binaryData, which the operator's
     * cluster-wide result budget adds up from the ConfigMaps' metadata alone.
     */
    public static final String ANNOTATION_RESULT_BYTES = "profiling.ebpf.dev/result-bytes";

    /** Kubernetes caps a ConfigMap at 1 MiB; a result is kept below this, leaving room for metadata. */
    public static final int RESULT_MAX_BYTES = 1_000_000;

    private static final int LABEL_VALUE_MAX = 63;
    private static final int NAME_MAX = 253;
    private static final int HASH_CHARS = 10;
    private static final Pattern LABEL_VALUE = Pattern.compile("^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$");
    private static final DateTimeFormatter SLICE_FORMAT =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private AgentContract() {}

    /**
     * The labels every object of a job carries: managed-by, job and component. A new, modifiable
     * map, so a writer can add its own (slice).
     */
    public static Map<String, String> jobLabels(String job, String component) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(LABEL_MANAGED_BY, MANAGED_BY);
        labels.put(LABEL_JOB, labelValue(job));
        labels.put(LABEL_COMPONENT, component);
        return labels;
    }

    /** A slice's start as a label value, such as {@code 20261126T120500Z} (UTC, whole seconds). */
    public static String sliceLabel(Instant sliceStart) {
        return SLICE_FORMAT.format(sliceStart);
    }

    /** The label value for a name: the name itself when it fits a label, else a prefix and a hash of it. */
    public static String labelValue(String name) {
        if (name.length() <= LABEL_VALUE_MAX && LABEL_VALUE.matcher(name).matches()) {
            return name;
        }
        String prefix = name.substring(0, Math.min(name.length(), LABEL_VALUE_MAX - HASH_CHARS - 1))
                .replaceAll("[^A-Za-z0-9_.-]", "-")
                .replaceAll("^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "");
        return (prefix.isEmpty() ? "x" : prefix) + "-" + hash(name);
    }

    /** The job-level result ConfigMap of a job and slice (all nodes merged), such as {@code nginx-jitter-20261126t120500z}. */
    public static String jobResultName(String job, Instant sliceStart) {
        return objectName(job + "-" + sliceLabel(sliceStart));
    }

    /** A DNS-1123 subdomain name: lower case, and a hash suffix when too long. */
    static String objectName(String wanted) {
        String lower = wanted.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "-");
        if (lower.length() <= NAME_MAX) {
            return lower;
        }
        return lower.substring(0, NAME_MAX - HASH_CHARS - 1) + "-" + hash(wanted);
    }

    private static String hash(String s) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, HASH_CHARS);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
