package dev.ebpf.profiling.api.ingest;

/**
 * How node agents reach the operator (issue 9): the one agent DaemonSet in the operator's namespace
 * pushes each job's node slice, and trigger-mode state, to the operator's ingest endpoint over HTTPS,
 * authenticated with the agent's projected ServiceAccount token. Nothing an agent obeys or writes
 * lives in a tenant's namespace.
 */
public final class IngestContract {

    /** Where the operator takes a {@link NodeSliceReport} (POST, JSON). */
    public static final String SLICES_PATH = "/ingest/v1/slices";
    /** Where the operator takes a trigger-mode {@link NodeTriggerReport} (POST, JSON). */
    public static final String TRIGGER_STATES_PATH = "/ingest/v1/trigger-states";

    /** Where the operator takes a {@link NodeUploadReport} (POST, JSON): what a node put in the object store. */
    public static final String UPLOADS_PATH = "/ingest/v1/uploads";

    /** The audience of the agent's projected token: the operator's TokenReview asks for exactly this one. */
    public static final String TOKEN_AUDIENCE = "profiling.ebpf.dev/ingest";
    /** Where the agent pod mounts its projected token (file {@code token}) and the ingest CA ({@code ca.crt}). */
    public static final String TOKEN_MOUNT_PATH = "/var/run/secrets/profiling.ebpf.dev";

    public static final String TOKEN_FILE = "token";
    public static final String CA_FILE = "ca.crt";

    /** The node label the operator sets on every node some accepted job targets; the DaemonSet selects it. */
    public static final String NODE_LABEL_AGENT = "profiling.ebpf.dev/agent";

    public static final String NODE_LABEL_AGENT_VALUE = "true";

    /** Agent environment: the ingest base URL, such as {@code https://ebpf-profiler-ingest.profiling-system.svc:8443}. */
    public static final String ENV_INGEST_URL = "INGEST_URL";
    /** Agent environment: namespaces whose jobs may profile the whole node, comma-separated (the admin's list). */
    public static final String ENV_NODE_WIDE_NAMESPACES = "NODE_WIDE_NAMESPACES";
    /** Agent environment: the highest on-CPU rate the node samples at, whatever its jobs ask. */
    public static final String ENV_MAX_FREQUENCY_HZ = "MAX_FREQUENCY_HZ";

    /** Stacks one node sends per job and slice, hottest first; the rest are dropped and counted. */
    public static final int MAX_STACKS_PER_REPORT = 2_000;
    /** Reports an agent keeps while the operator is unreachable, per job; older ones are dropped and counted. */
    public static final int AGENT_BACKLOG_REPORTS = 4;
    /** Largest request body the operator reads. */
    public static final int MAX_REPORT_BYTES = 4 * 1024 * 1024;

    private IngestContract() {}
}
