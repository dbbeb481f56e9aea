package dev.ebpf.profiling.operator.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.ebpf.profiling.api.ingest.IngestContract;
import dev.ebpf.profiling.api.ingest.JobKey;
import dev.ebpf.profiling.api.ingest.NodeSliceReport;
import dev.ebpf.profiling.api.ingest.NodeTriggerReport;
import dev.ebpf.profiling.api.ingest.NodeUploadReport;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.ProfileJson;
import dev.ebpf.profiling.operator.status.Conditions;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.util.Objects;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Takes one pushed report: who sent it ({@link IngestAuthenticator}), whether it is well formed,
 * whether its job exists under that uid and was accepted, and whether its node is the sender's and
 * one of the job's targets; then hands it to the {@link SliceStore}. Every outcome is counted
 * ({@link IngestMetrics}); a refusal is one line for the agent's log.
 */
public final class IngestService {

    /** What the endpoint answers: the HTTP status and one line. */
    public record Outcome(int status, String message) {}

    static final String KIND_SLICE = "slice";
    static final String KIND_TRIGGER = "trigger-state";
    static final String KIND_UPLOAD = "upload";

    private static final Logger LOG = Logger.getLogger(IngestService.class);
    private static final ObjectReader SLICE = reader(NodeSliceReport.class);
    private static final ObjectReader TRIGGER = reader(NodeTriggerReport.class);
    private static final ObjectReader UPLOAD = reader(NodeUploadReport.class);
    /** A slice label, as {@code AgentContract#sliceLabel} writes it. */
    private static final java.util.regex.Pattern SLICE_LABEL = java.util.regex.Pattern.compile("\\d{8}T\\d{6}Z");
    /** Longest failure message kept: the status shows reasons, the agent's log the rest. */
    private static final int MESSAGE_MAX = 300;

    private final IngestAuthenticator authenticator;
    private final KubernetesClient client;
    private final SliceStore store;
    private final IngestMetrics metrics;
    private final boolean allowPlainHttp;

    public IngestService(
            IngestAuthenticator authenticator,
            KubernetesClient client,
            SliceStore store,
            IngestMetrics metrics,
            boolean allowPlainHttp) {
        this.authenticator = authenticator;
        this.client = client;
        this.store = store;
        this.metrics = metrics;
        this.allowPlainHttp = allowPlainHttp;
    }

    public Outcome slice(String authorization, boolean https, byte[] body) {
        return handle(KIND_SLICE, authorization, https, body, (caller, bytes) -> {
            NodeSliceReport report = (NodeSliceReport) parse(SLICE, bytes);
            if (report.schemaVersion() != NodeSliceReport.SCHEMA_VERSION) {
                throw schema(report.schemaVersion(), NodeSliceReport.SCHEMA_VERSION);
            }
            NodeProfile profile = report.profile();
            if (report.job() == null
                    || report.node() == null
                    || report.sliceStart() == null
                    || report.sliceEnd() == null
                    || profile == null
                    || profile.cpus() == null
                    || profile.topApplications() == null) {
                throw IngestRefusal.badRequest(
                        "malformed",
                        "a slice report needs job, node, sliceStart, sliceEnd and a profile with cpus and topApplications");
            }
            if (!report.node().equals(profile.node())) {
                throw IngestRefusal.badRequest(
                        "malformed", "the profile's node " + profile.node() + " is not the report's " + report.node());
            }
            ProfilingJob job = check(caller, report.job(), report.node());
            store.accept(job, targets(job), report);
            return report.job().namespace() + "/" + report.job().name() + " slice " + report.sliceStart() + " from "
                    + report.node();
        });
    }

    public Outcome triggerState(String authorization, boolean https, byte[] body) {
        return handle(KIND_TRIGGER, authorization, https, body, (caller, bytes) -> {
            NodeTriggerReport report = (NodeTriggerReport) parse(TRIGGER, bytes);
            if (report.schemaVersion() != NodeTriggerReport.SCHEMA_VERSION) {
                throw schema(report.schemaVersion(), NodeTriggerReport.SCHEMA_VERSION);
            }
            if (report.job() == null || report.node() == null || report.state() == null) {
                throw IngestRefusal.badRequest("malformed", "a trigger report needs job, node and state");
            }
            ProfilingJob job = check(caller, report.job(), report.node());
            store.accept(job, report);
            return report.job().namespace() + "/" + report.job().name() + " trigger state from " + report.node();
        });
    }

    /** A node's object-store upload of a job's slice: counted in the job's {@code status.objectStore}. */
    public Outcome upload(String authorization, boolean https, byte[] body) {
        return handle(KIND_UPLOAD, authorization, https, body, (caller, bytes) -> {
            NodeUploadReport report = (NodeUploadReport) parse(UPLOAD, bytes);
            if (report.schemaVersion() != NodeUploadReport.SCHEMA_VERSION) {
                throw schema(report.schemaVersion(), NodeUploadReport.SCHEMA_VERSION);
            }
            if (report.job() == null
                    || report.node() == null
                    || report.slice() == null
                    || !SLICE_LABEL.matcher(report.slice()).matches()
                    || report.objects() == null
                    || report.objects().size() > NodeUploadReport.MAX_OBJECTS
                    || report.objects().stream().anyMatch(o -> o == null || o.length() > 1024)
                    || (report.failure() != null && !report.failure().matches("[A-Za-z]{1,64}"))) {
                throw IngestRefusal.badRequest(
                        "malformed",
                        "an upload report needs job, node, a slice label, at most " + NodeUploadReport.MAX_OBJECTS
                                + " objects and a CamelCase failure reason when it failed");
            }
            ProfilingJob job = check(caller, report.job(), report.node());
            if (job.getSpec().output == null || job.getSpec().output.objectStore == null) {
                throw new IngestRefusal(409, "noObjectStore", "the job names no object store");
            }
            String message = report.message() == null
                    ? null
                    : report.message()
                            .substring(0, Math.min(MESSAGE_MAX, report.message().length()));
            store.uploads()
                    .nodeReport(
                            job,
                            new NodeUploadReport(
                                    report.schemaVersion(),
                                    report.job(),
                                    report.node(),
                                    report.slice(),
                                    report.objects(),
                                    report.failure(),
                                    message));
            return report.job().namespace() + "/" + report.job().name() + " upload of slice " + report.slice()
                    + " from " + report.node();
        });
    }

    private interface Handler {
        String take(IngestAuthenticator.Caller caller, byte[] body);
    }

    private Outcome handle(String kind, String authorization, boolean https, byte[] body, Handler handler) {
        try {
            if (!https && !allowPlainHttp) {
                throw IngestRefusal.forbidden("plainHttp", "reports are taken over HTTPS only");
            }
            IngestAuthenticator.Caller caller = authenticator.authenticate(authorization);
            String what = handler.take(caller, body);
            metrics.count(kind, IngestMetrics.ACCEPTED);
            return new Outcome(202, "accepted " + what);
        } catch (IngestRefusal refusal) {
            return refused(kind, refusal);
        }
    }

    /** A report refused unread, before its sender is known: its body exceeds {@link IngestContract#MAX_REPORT_BYTES}. */
    public Outcome tooLarge(String kind) {
        return refused(
                kind,
                new IngestRefusal(413, "tooLarge", "the report exceeds " + IngestContract.MAX_REPORT_BYTES + " bytes"));
    }

    private Outcome refused(String kind, IngestRefusal refusal) {
        metrics.count(kind, refusal.reason());
        LOG.debugf("%s report refused (%d %s): %s", kind, refusal.status(), refusal.reason(), refusal.getMessage());
        return new Outcome(refusal.status(), refusal.reason() + ": " + refusal.getMessage());
    }

    /** @throws IngestRefusal 403 another node's report, 404 no such job (uid), 409 job not accepted or node not a target */
    private ProfilingJob check(IngestAuthenticator.Caller caller, JobKey key, String node) {
        if (!caller.node().equals(node)) {
            throw IngestRefusal.forbidden(
                    "otherNode", "the agent on " + caller.node() + " sent a report for node " + node);
        }
        if (key.namespace() == null || key.name() == null || key.uid() == null) {
            throw IngestRefusal.badRequest("malformed", "the job key needs namespace, name and uid");
        }
        // The reconciler's cache first: in steady state a report costs no API request. A job the
        // cache lacks, or holds as another uid or not yet accepted, is read from the API server.
        ProfilingJob job = store.cachedJob(key.namespace(), key.name())
                .filter(cached -> key.uid().equals(cached.getMetadata().getUid()) && accepted(cached))
                .orElseGet(() -> client.resources(ProfilingJob.class)
                        .inNamespace(key.namespace())
                        .withName(key.name())
                        .get());
        if (job == null) {
            throw new IngestRefusal(404, "unknownJob", "no ProfilingJob " + key.namespace() + "/" + key.name());
        }
        if (!key.uid().equals(job.getMetadata().getUid())) {
            throw new IngestRefusal(
                    404,
                    "jobReplaced",
                    "ProfilingJob " + key.namespace() + "/" + key.name() + " has uid "
                            + job.getMetadata().getUid() + ", not " + key.uid());
        }
        if (!accepted(job)) {
            throw new IngestRefusal(
                    409,
                    "jobNotAccepted",
                    "ProfilingJob " + key.namespace() + "/" + key.name() + " is not accepted at generation "
                            + job.getMetadata().getGeneration());
        }
        // The status names only the first few targets: the reconciler's last resolution has them all.
        Set<String> targets = store.targets(job);
        if (targets == null) {
            throw new IngestRefusal(
                    409,
                    "targetsUnknown",
                    "the operator has not resolved the targets of " + key.namespace() + "/" + key.name()
                            + " since it started; retry");
        }
        if (!targets.contains(node)) {
            throw new IngestRefusal(
                    409, "notTargetNode", "node " + node + " is not a target of " + key.namespace() + "/" + key.name());
        }
        return job;
    }

    private static boolean accepted(ProfilingJob job) {
        ProfilingJobStatus status = job.getStatus();
        return status != null
                && Objects.equals(status.observedGeneration, job.getMetadata().getGeneration())
                && Conditions.isTrue(status.conditions, ProfilingJobStatus.READY);
    }

    private Set<String> targets(ProfilingJob job) {
        return store.targets(job);
    }

    private static Object parse(ObjectReader reader, byte[] body) {
        try {
            return reader.readValue(body);
        } catch (IOException | RuntimeException e) {
            String line = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            throw IngestRefusal.badRequest("malformed", "not a report: " + line);
        }
    }

    private static IngestRefusal schema(int got, int wanted) {
        return IngestRefusal.badRequest(
                "schemaVersion", "schemaVersion " + got + " is not supported; this operator reads " + wanted);
    }

    /**
     * A reader that does not canonicalize field names. A report's folded stacks are JSON object
     * keys, thousands of distinct ones per slice across the nodes; Jackson's shared symbol table
     * would take each one in and copy its growing hash arrays at every report that adds one, which
     * was 40% of the ingest endpoint's CPU at 1,000 nodes x 3 jobs (profiled with JFR in the cluster
     * simulator, see docs/scale.md).
     */
    private static ObjectReader reader(Class<?> type) {
        return ProfileJson.mapper()
                .readerFor(type)
                .with(JsonFactory.builder()
                        .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
                        .build())
                .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }
}
