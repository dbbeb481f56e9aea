package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.ingest.AgentLimitation;
import dev.ebpf.profiling.api.ingest.IngestContract;
import dev.ebpf.profiling.api.ingest.JobKey;
import dev.ebpf.profiling.api.ingest.NodeSliceReport;
import dev.ebpf.profiling.api.ingest.NodeUploadReport;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.ProfileJson;
import dev.ebpf.profiling.operator.ingest.FakeTokenReviewer;
import dev.ebpf.profiling.operator.ingest.ResultConfigMaps;
import dev.ebpf.profiling.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The ingest endpoint of the running operator, over plain HTTP on the test port (the test profile
 * allows it; in a cluster reports are taken on the HTTPS port only). Tokens are reviewed by
 * {@link FakeTokenReviewer}: the Fabric8 mock API server cannot run a TokenReview.
 */
@QuarkusTest
class IngestEndpointTest extends ThreeNodeClusterTest {

    @TestHTTPResource("/")
    URL base;

    @TestHTTPResource("/q/metrics")
    URL metrics;

    private final HttpClient http = HttpClient.newHttpClient();

    @jakarta.inject.Inject
    dev.ebpf.profiling.operator.ingest.SliceStore sliceStore;

    @Test
    void refusesReportsItCannotTrustOrPlace() throws Exception {
        String ns = "ingest-refusals";
        var a = cluster.pod(ns, "a", Map.of("app", "a"), "node-1");
        ProfilingJob job = accepted(ns, "refused", Map.of("app", "a"));
        ProfilingJobSpec bad = Cluster.spec(Mode.GENERAL, Map.of("app", "a"));
        bad.cpus = "not-a-cpu-list";
        cluster.job(ns, "invalid", bad);
        cluster.awaitCondition(ns, "invalid", ProfilingJobStatus.READY, "False");
        ProfilingJob invalid = cluster.get(ns, "invalid");
        Instant start = Instant.parse("2026-01-01T12:00:00Z");
        String good = json(report(job, "node-1", start, Cluster.podApp(a, 10)));

        assertThat(post(IngestContract.SLICES_PATH, null, good)).startsWith("401 missingToken");
        assertThat(post(IngestContract.SLICES_PATH, "not-a-token", good)).startsWith("401 invalidToken");
        assertThat(post(IngestContract.SLICES_PATH, "default@node=node-1", good))
                .startsWith("403 wrongServiceAccount: token of system:serviceaccount:profiling-system:default");
        assertThat(post(IngestContract.SLICES_PATH, FakeTokenReviewer.agentOn("node-2"), good))
                .startsWith("403 otherNode: the agent on node-2 sent a report for node node-1");
        String unknownUid = json(withJob(
                report(job, "node-1", start, Cluster.podApp(a, 10)), new JobKey(ns, "refused", "not-the-uid", 1)));
        assertThat(post(IngestContract.SLICES_PATH, FakeTokenReviewer.agentOn("node-1"), unknownUid))
                .startsWith("404 jobReplaced");
        String noJob =
                json(withJob(report(job, "node-1", start, Cluster.podApp(a, 10)), new JobKey(ns, "nope", "uid", 1)));
        assertThat(post(IngestContract.SLICES_PATH, FakeTokenReviewer.agentOn("node-1"), noJob))
                .startsWith("404 unknownJob");
        assertThat(post(
                        IngestContract.SLICES_PATH,
                        FakeTokenReviewer.agentOn("node-1"),
                        json(report(invalid, "node-1", start, Cluster.podApp(a, 10)))))
                .startsWith("409 jobNotAccepted");
        assertThat(post(IngestContract.SLICES_PATH, FakeTokenReviewer.agentOn("node-1"), "{\"schemaVersion\": 1, "))
                .startsWith("400 malformed");
        assertThat(post(
                        IngestContract.SLICES_PATH,
                        FakeTokenReviewer.agentOn("node-1"),
                        good.replace("\"schemaVersion\":1", "\"schemaVersion\":7")))
                .startsWith("400 schemaVersion: schemaVersion 7 is not supported");
        // The pod fallback: a token naming only its pod is placed on the pod's node.
        cluster.pod(FakeTokenReviewer.NAMESPACE, "agent-x", Map.of(), "node-3");
        assertThat(post(IngestContract.SLICES_PATH, "ebpf-profiler-agent@pod=agent-x", good))
                .startsWith("403 otherNode: the agent on node-3");

        assertThat(post(IngestContract.SLICES_PATH, FakeTokenReviewer.agentOn("node-1"), good))
                .startsWith("202 accepted");
        String scraped = http.send(
                        HttpRequest.newBuilder(metrics.toURI()).build(), HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(scraped)
                .contains("ebpf_profiler_ingest_reports_total{kind=\"slice\",result=\"otherNode\"}")
                .contains("ebpf_profiler_ingest_reports_total{kind=\"slice\",result=\"invalidToken\"}")
                .contains("ebpf_profiler_ingest_reports_total{kind=\"slice\",result=\"accepted\"}");
    }

    /**
     * The body limit is the refusal's: a body of exactly {@link IngestContract#MAX_REPORT_BYTES} is
     * read (and is no report), one byte more is refused with 413 and one line, whether its size is
     * announced (Content-Length) or only seen as it streams, over HTTP/1.1 and HTTP/2 alike.
     */
    @Test
    void refusesABodyOverTheLimitWithOneLine() throws Exception {
        String token = FakeTokenReviewer.agentOn("node-1");
        byte[] atLimit = new byte[IngestContract.MAX_REPORT_BYTES];
        java.util.Arrays.fill(atLimit, (byte) ' ');
        assertThat(post(IngestContract.SLICES_PATH, token, HttpRequest.BodyPublishers.ofByteArray(atLimit), null))
                .startsWith("400 malformed");
        byte[] over = java.util.Arrays.copyOf(atLimit, IngestContract.MAX_REPORT_BYTES + 1);
        String refusal = "413 tooLarge: the report exceeds " + IngestContract.MAX_REPORT_BYTES + " bytes";
        for (HttpClient.Version version : HttpClient.Version.values()) {
            assertThat(post(IngestContract.SLICES_PATH, token, HttpRequest.BodyPublishers.ofByteArray(over), version))
                    .as("announced, %s", version)
                    .isEqualTo(refusal);
            var streamed = HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(over));
            assertThat(post(IngestContract.TRIGGER_STATES_PATH, token, streamed, version))
                    .as("streamed, %s", version)
                    .isEqualTo(refusal);
        }
        // Refused before the token is looked at: no sender is trusted with an unbounded read.
        assertThat(post(IngestContract.UPLOADS_PATH, null, HttpRequest.BodyPublishers.ofByteArray(over), null))
                .isEqualTo(refusal);
        // Past Quarkus' own limit (quarkus.http.limits.max-body-size, 10 MiB) too: the same line.
        byte[] huge = java.util.Arrays.copyOf(atLimit, 10 * 1024 * 1024 + 1);
        for (HttpClient.Version version : HttpClient.Version.values()) {
            assertThat(post(IngestContract.SLICES_PATH, token, HttpRequest.BodyPublishers.ofByteArray(huge), version))
                    .as("over 10 MiB, %s", version)
                    .isEqualTo(refusal);
        }
        String scraped = http.send(
                        HttpRequest.newBuilder(metrics.toURI()).build(), HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(scraped)
                .contains("ebpf_profiler_ingest_reports_total{kind=\"slice\",result=\"tooLarge\"}")
                .contains("ebpf_profiler_ingest_reports_total{kind=\"trigger-state\",result=\"tooLarge\"}")
                .contains("ebpf_profiler_ingest_reports_total{kind=\"upload\",result=\"tooLarge\"}");
    }

    @Test
    void uploadReportsAreTakenFromTheirOwnNodeOnlyAndCounted() throws Exception {
        String ns = "ingest-uploads";
        cluster.pod(ns, "a", Map.of("app", "a"), "node-1");
        ProfilingJobSpec spec = Cluster.spec(Mode.GENERAL, Map.of("app", "a"));
        spec.output = new dev.ebpf.profiling.api.job.OutputSpec();
        spec.output.objectStore = new dev.ebpf.profiling.api.job.ObjectStoreSpec();
        spec.output.objectStore.name = "archive";
        cluster.job(ns, "archived", spec);
        cluster.awaitCondition(ns, "archived", ProfilingJobStatus.READY, "True");
        ProfilingJob job = cluster.get(ns, "archived");
        JobKey key = new JobKey(
                ns, "archived", job.getMetadata().getUid(), job.getMetadata().getGeneration());
        String slice = "20260101T120000Z";
        String uploaded = json(new NodeUploadReport(
                1, key, "node-1", slice, List.of("s3://profiles/nodes/ab/x/node-1.pprof"), null, null));

        assertThat(post(IngestContract.UPLOADS_PATH, null, uploaded)).startsWith("401 missingToken");
        assertThat(post(IngestContract.UPLOADS_PATH, FakeTokenReviewer.agentOn("node-2"), uploaded))
                .startsWith("403 otherNode");
        assertThat(post(
                        IngestContract.UPLOADS_PATH,
                        FakeTokenReviewer.agentOn("node-1"),
                        json(new NodeUploadReport(1, key, "node-1", slice, List.of(), "not a reason!", "x"))))
                .startsWith("400 malformed");
        assertThat(post(IngestContract.UPLOADS_PATH, FakeTokenReviewer.agentOn("node-1"), uploaded))
                .startsWith("202 accepted");

        var status = sliceStore.uploads().status(cluster.get(ns, "archived"));
        assertThat(status.slice).isEqualTo(slice);
        assertThat(status.nodesUploaded).isEqualTo(1);
        assertThat(status.nodeObjects).containsExactly("s3://profiles/nodes/ab/x/node-1.pprof");
    }

    @Test
    void twoNodesReportsBecomeOneResultConfigMapAndTheMergedStatus() throws Exception {
        String ns = "ingest-merge";
        var web = cluster.pod(ns, "web", Map.of("tier", "app"), "node-1");
        var db = cluster.pod(ns, "db", Map.of("tier", "app"), "node-2");
        ProfilingJob job = accepted(ns, "merged", Map.of("tier", "app"));
        Set<String> before = names(ns);

        Instant start = Instant.now().minusSeconds(40).truncatedTo(ChronoUnit.SECONDS);
        NodeSliceReport n1 = withStacks(
                report(job, "node-1", start, Cluster.podApp(web, 2970)),
                Map.of("web;main;handle", 2000L, "web;main;epoll_wait_[k]", 970L));
        NodeSliceReport n2 = withStacks(
                report(job, "node-2", start, Cluster.podApp(db, 594)),
                Map.of("db;main;handle", 500L, "web;main;handle", 94L));
        n2 = withLimitations(
                n2,
                List.of(new AgentLimitation(
                        AgentLimitation.KERNEL_SYMBOLS_HIDDEN, "kernel frames named by module only")));
        assertThat(post(IngestContract.SLICES_PATH, FakeTokenReviewer.agentOn("node-1"), json(n1)))
                .startsWith("202");
        // The slice is within its grace and one node is missing: nothing is merged yet.
        Thread.sleep(500);
        assertThat(cluster.get(ns, "merged").getStatus().lastSlice).isNull();
        assertThat(post(IngestContract.SLICES_PATH, FakeTokenReviewer.agentOn("node-2"), json(n2)))
                .startsWith("202");

        ProfilingJob done = cluster.await(ns, "merged", j -> "2/2".equals(j.getStatus().nodes));
        ProfilingJobStatus status = done.getStatus();
        String configMap = AgentContract.jobResultName("merged", start);
        assertThat(status.lastSlice.id).isEqualTo(AgentContract.sliceLabel(start));
        assertThat(status.results).containsExactly(configMap);
        assertThat(status.reportingNodes).containsExactly("node-1", "node-2");
        assertThat(status.topApplications)
                .extracting(x -> x.rank + " " + x.name + " " + x.samples + " " + x.cpuPercent)
                .containsExactly("1 ingest-merge/web (main) 2970 50.0", "2 ingest-merge/db (main) 594 10.0");
        assertThat(Conditions.find(status.conditions, ProfilingJobStatus.DEGRADED)
                        .orElseThrow()
                        .getStatus())
                .isEqualTo("False");
        var limited =
                Conditions.find(status.conditions, ProfilingJobStatus.LIMITED).orElseThrow();
        assertThat(limited.getReason()).isEqualTo(AgentLimitation.KERNEL_SYMBOLS_HIDDEN);
        assertThat(limited.getMessage())
                .isEqualTo("1 node(s) report KernelSymbolsHidden, e.g. node-2: kernel frames named by module only");

        List<ConfigMap> results = client.configMaps()
                .inNamespace(ns)
                .withLabels(AgentContract.jobLabels("merged", AgentContract.COMPONENT_RESULT))
                .list()
                .getItems();
        assertThat(results).extracting(c -> c.getMetadata().getName()).containsExactly(configMap);
        ConfigMap result = results.getFirst();
        assertThat(result.getMetadata().getOwnerReferences())
                .singleElement()
                .satisfies(
                        o -> assertThat(o.getUid()).isEqualTo(job.getMetadata().getUid()));
        assertThat(ResultConfigMaps.read(result).nodes())
                .extracting(n -> n.node() + " " + n.totalSamples())
                .containsExactly("node-1 2970", "node-2 594");
        assertThat(Folded.lines(result, AgentContract.RESULT_ON_CPU_STACKS_KEY))
                .containsExactly("web;main;handle 2094", "web;main;epoll_wait_[k] 970", "db;main;handle 500");

        // A late copy of a closed slice is refused, not merged twice.
        assertThat(post(IngestContract.SLICES_PATH, FakeTokenReviewer.agentOn("node-2"), json(n2)))
                .startsWith("410 sliceClosed");
        // The ingest path added the result ConfigMap and nothing else to the job's namespace.
        Set<String> added = new TreeSet<>(names(ns));
        added.removeAll(before);
        assertThat(added).containsExactly("ConfigMap/" + configMap);
    }

    @Test
    void aNodeThatDidNotReportInTimeLeavesTheJobDegradedWithACount() throws Exception {
        String ns = "ingest-late";
        var a = cluster.pod(ns, "a", Map.of("app", "a"), "node-1");
        cluster.pod(ns, "b", Map.of("app", "a"), "node-2");
        cluster.pod(ns, "c", Map.of("app", "a"), "node-3");
        ProfilingJob job = accepted(ns, "late", Map.of("app", "a"));
        // Long over: the slice's grace has passed when its first report arrives.
        Instant start = Instant.now().minusSeconds(600).truncatedTo(ChronoUnit.SECONDS);
        assertThat(post(
                        IngestContract.SLICES_PATH,
                        FakeTokenReviewer.agentOn("node-1"),
                        json(report(job, "node-1", start, Cluster.podApp(a, 100)))))
                .startsWith("202");

        ProfilingJob degraded;
        try {
            degraded = cluster.awaitCondition(ns, "late", ProfilingJobStatus.DEGRADED, "True");
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(json(cluster.get(ns, "late").getStatus()), e);
        }
        var condition = Conditions.find(degraded.getStatus().conditions, ProfilingJobStatus.DEGRADED)
                .orElseThrow();
        assertThat(condition.getReason()).isEqualTo("NodesMissing");
        assertThat(condition.getMessage())
                .isEqualTo(
                        "slice " + AgentContract.sliceLabel(start) + " has no report from 2 node(s): node-2, node-3");
        assertThat(degraded.getStatus().nodes).isEqualTo("1/3");
    }

    /** A job the operator accepted (Ready at its generation, agents scheduled). */
    private ProfilingJob accepted(String ns, String name, Map<String, String> selector) {
        ProfilingJobSpec spec = Cluster.spec(Mode.GENERAL, selector);
        cluster.job(ns, name, spec);
        return cluster.awaitCondition(ns, name, ProfilingJobStatus.SCHEDULED, "True");
    }

    static NodeSliceReport report(
            ProfilingJob job, String node, Instant start, dev.ebpf.profiling.api.profile.ApplicationUsage app) {
        NodeProfile profile = Cluster.profile(node, start, List.of(app));
        return new NodeSliceReport(
                NodeSliceReport.SCHEMA_VERSION,
                new JobKey(
                        job.getMetadata().getNamespace(),
                        job.getMetadata().getName(),
                        job.getMetadata().getUid(),
                        job.getMetadata().getGeneration()),
                node,
                start,
                profile.end(),
                profile,
                Map.of(),
                Map.of(),
                0,
                List.of(),
                Map.of(),
                List.of());
    }

    static NodeSliceReport withJob(NodeSliceReport r, JobKey job) {
        return new NodeSliceReport(
                r.schemaVersion(),
                job,
                r.node(),
                r.sliceStart(),
                r.sliceEnd(),
                r.profile(),
                r.onCpuStacks(),
                r.offCpuStacks(),
                r.droppedStacks(),
                r.history(),
                r.historyStacks(),
                r.limitations());
    }

    static NodeSliceReport withStacks(NodeSliceReport r, Map<String, Long> onCpu) {
        return new NodeSliceReport(
                r.schemaVersion(),
                r.job(),
                r.node(),
                r.sliceStart(),
                r.sliceEnd(),
                r.profile(),
                onCpu,
                r.offCpuStacks(),
                r.droppedStacks(),
                r.history(),
                r.historyStacks(),
                r.limitations());
    }

    static NodeSliceReport withLimitations(NodeSliceReport r, List<AgentLimitation> limitations) {
        return new NodeSliceReport(
                r.schemaVersion(),
                r.job(),
                r.node(),
                r.sliceStart(),
                r.sliceEnd(),
                r.profile(),
                r.onCpuStacks(),
                r.offCpuStacks(),
                r.droppedStacks(),
                r.history(),
                r.historyStacks(),
                limitations);
    }

    static String json(Object report) throws Exception {
        return ProfileJson.mapper().writeValueAsString(report);
    }

    /** {@code status reason: message} of a POST. */
    private String post(String path, String token, String body) throws Exception {
        return post(path, token, HttpRequest.BodyPublishers.ofString(body), null);
    }

    /** POSTs the body (over the given HTTP version, or the client's default) and returns "status body". */
    private String post(String path, String token, HttpRequest.BodyPublisher body, HttpClient.Version version)
            throws Exception {
        var request = HttpRequest.newBuilder(URI.create(base.toString()).resolve(path))
                .header("Content-Type", "application/json")
                .POST(body);
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (version != null) {
            request.version(version);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return response.statusCode() + " " + response.body().strip();
    }

    /** Kind/name of what is in the namespace (the kinds the operator creates there). */
    private Set<String> names(String ns) {
        List<HasMetadata> all = new ArrayList<>();
        all.addAll(client.configMaps().inNamespace(ns).list().getItems());
        all.addAll(client.pods().inNamespace(ns).list().getItems());
        all.addAll(client.serviceAccounts().inNamespace(ns).list().getItems());
        all.addAll(client.rbac().roleBindings().inNamespace(ns).list().getItems());
        all.addAll(client.secrets().inNamespace(ns).list().getItems());
        all.addAll(client.services().inNamespace(ns).list().getItems());
        return new TreeSet<>(Stream.of(all.toArray(HasMetadata[]::new))
                .map(o -> o.getKind() + "/" + o.getMetadata().getName())
                .toList());
    }
}
