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
 * The names the operator and the node agent share in the cluster: labels, ConfigMap keys, the job
 * config's mount path and environment variables, and how result ConfigMaps are named. See the
 * "Operator" section of the README for the layout as a whole.
 */
public final class AgentContract {

    /** Every object the operator or its agents create carries this label, with the job's name. */
    public static final String LABEL_JOB = "profiling.ebpf.dev/job";
    /** What the object is: one of the COMPONENT_ values. */
    public static final String LABEL_COMPONENT = "profiling.ebpf.dev/component";
    /** The node a node agent pod or a result ConfigMap belongs to. */
    public static final String LABEL_NODE = "profiling.ebpf.dev/node";
    /** The slice of a result ConfigMap: its start as {@link #sliceLabel(Instant)}. */
    public static final String LABEL_SLICE = "profiling.ebpf.dev/slice";

    public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY = "ebpf-profiler-operator";

    public static final String COMPONENT_AGENT = "node-agent";
    public static final String COMPONENT_JOB_CONFIG = "job-config";
    public static final String COMPONENT_RESULT = "result";
    /** Trigger mode: one ConfigMap per node with the trigger's state and recent firings ({@link NodeTriggerState}). */
    public static final String COMPONENT_TRIGGER_STATE = "trigger-state";

    /** The job config ConfigMap's key, holding {@link AgentJobConfig} as JSON. */
    public static final String JOB_CONFIG_KEY = "job.json";
    /** Where the agent pod mounts the job config ConfigMap (read-only); the file is {@code job.json} in it. */
    public static final String JOB_CONFIG_MOUNT_PATH = "/etc/node-agent";
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
    /**
     * Trigger mode: the low-rate slices from before the firing, oldest first, as a JSON array of
     * NodeProfile (data), and their merged on-CPU stacks, gzipped folded (binaryData).
     */
    public static final String RESULT_HISTORY_KEY = "history.json";

    public static final String RESULT_HISTORY_STACKS_KEY = "history-on-cpu.folded.gz";
    /**
     * A job-level result ConfigMap (written by the operator from the agents' pushed reports, one per
     * job and slice, no node label): the nodes' small summaries as a JSON array, beside the merged
     * {@link #RESULT_PROFILE_KEY} and the merged folded stacks.
     */
    public static final String RESULT_NODES_KEY = "nodes.json";
    /** The trigger-state ConfigMap's key, holding {@link NodeTriggerState} as JSON. */
    public static final String TRIGGER_STATE_KEY = "trigger.json";
    /** Set on a result ConfigMap when the agent dropped its coldest stacks to stay under 1 MiB: how many. */
    public static final String ANNOTATION_TRUNCATED_STACKS = "profiling.ebpf.dev/truncated-stacks";

    /**
     * Object store ({@code spec.output.objectStore}): the agent pod mounts the credentials Secret here
     * as two files. A mounted Secret, not environment variables: the kubelet refreshes the files
     * when the Secret is fixed, so the running agent picks up the new key pair and uploads its
     * spool, where env would need a new pod (and a new pod starts with an empty spool).
     */
    public static final String CREDENTIALS_MOUNT_PATH = "/etc/node-agent-credentials";

    public static final String CREDENTIALS_ACCESS_KEY_ID_FILE = "accessKeyId";
    public static final String CREDENTIALS_SECRET_ACCESS_KEY_FILE = "secretAccessKey";
    /** Where slices wait for the object store: an emptyDir of {@link #SPOOL_VOLUME_SIZE}, so container restarts keep it. */
    public static final String SPOOL_MOUNT_PATH = "/var/spool/node-agent";

    public static final String SPOOL_VOLUME_SIZE = "256Mi";
    /** The spool's bounds; below the volume's size so the kubelet never evicts the pod for it. */
    public static final long SPOOL_MAX_BYTES = 192L * 1024 * 1024;

    public static final int SPOOL_MAX_SLICES = 1000;

    /**
     * Set on a result ConfigMap once its slice is in the object store: the {@code s3://bucket/key}
     * URIs of its objects (profile JSON, folded stacks, pprof), comma-separated.
     */
    public static final String ANNOTATION_OBJECTS = "profiling.ebpf.dev/objects";
    /**
     * Kept current by the agent on its newest result ConfigMap: the upload state as a condition
     * reason ({@link #UPLOAD_STATE_OK} or why not), a one-line message, the slices waiting in the
     * spool, and the slices the spool bound dropped (with the last one's reason).
     */
    public static final String ANNOTATION_UPLOAD_STATE = "profiling.ebpf.dev/upload-state";

    public static final String ANNOTATION_UPLOAD_MESSAGE = "profiling.ebpf.dev/upload-message";
    public static final String ANNOTATION_UPLOADS_PENDING = "profiling.ebpf.dev/uploads-pending";
    public static final String ANNOTATION_UPLOADS_DROPPED = "profiling.ebpf.dev/uploads-dropped";
    public static final String ANNOTATION_UPLOADS_DROPPED_REASON = "profiling.ebpf.dev/uploads-dropped-reason";
    /** The upload state when the last upload worked (or none was needed yet). */
    public static final String UPLOAD_STATE_OK = "Uploaded";

    /** Kubernetes caps a ConfigMap at 1 MiB; the agent keeps its result below this, leaving room for metadata. */
    public static final int RESULT_MAX_BYTES = 1_000_000;

    private static final int LABEL_VALUE_MAX = 63;
    private static final int NAME_MAX = 253;
    private static final int HASH_CHARS = 10;
    private static final Pattern LABEL_VALUE = Pattern.compile("^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$");
    private static final DateTimeFormatter SLICE_FORMAT =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private AgentContract() {}

    /**
     * The labels every object of a job carries, whoever writes it (operator or agent): managed-by,
     * job and component. A new, modifiable map, so a writer can add its own (node, slice).
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

    /** The job config ConfigMap of a job. */
    public static String jobConfigName(String job) {
        return objectName(job + "-agent-config");
    }

    /** The node agent pod of a job on a node. */
    public static String agentPodName(String job, String node) {
        return objectName(job + "-agent-" + node);
    }

    /** The result ConfigMap of a job, node and slice, such as {@code nginx-jitter-node-1-20261126t120500z}. */
    public static String resultName(String job, String node, Instant sliceStart) {
        return objectName(job + "-" + node + "-" + sliceLabel(sliceStart));
    }

    /** The job-level result ConfigMap of a job and slice (all nodes merged), such as {@code nginx-jitter-20261126t120500z}. */
    public static String jobResultName(String job, Instant sliceStart) {
        return objectName(job + "-" + sliceLabel(sliceStart));
    }

    /** The trigger-state ConfigMap of a job on a node, such as {@code web-spike-trigger-node-1}. */
    public static String triggerStateName(String job, String node) {
        return objectName(job + "-trigger-" + node);
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
