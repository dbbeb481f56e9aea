package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.cluster.SliceReports;
import dev.ebpf.profiling.agent.cluster.SliceWindow;
import dev.ebpf.profiling.agent.ingest.IngestClient;
import dev.ebpf.profiling.agent.metrics.AgentMetrics;
import dev.ebpf.profiling.agent.profile.SliceResult;
import dev.ebpf.profiling.agent.symbolize.SymbolizedStack;
import dev.ebpf.profiling.api.ingest.IngestContract;
import dev.ebpf.profiling.api.ingest.JobKey;
import dev.ebpf.profiling.api.ingest.NodeTriggerReport;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import dev.ebpf.profiling.api.profile.Frame;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.operator.ingest.FakeTokenReviewer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The push path end to end: the agent's own report builder and {@link IngestClient} post to the
 * running operator's endpoint, which merges, writes the result ConfigMap and the status. Over plain
 * HTTP to the test port (the test profile allows it; in a cluster the client speaks HTTPS to port
 * 8443, tested on its own in node-agent's IngestClientTest). The token is one
 * {@link FakeTokenReviewer} accepts: the mock API server cannot review tokens.
 */
@QuarkusTest
class IngestEndToEndTest extends ThreeNodeClusterTest {

    @TestHTTPResource("/")
    URL base;

    /** The agent's token directory (no @TempDir: JUnit's injection does not reach a @QuarkusTest's fields). */
    Path credentials;

    @BeforeEach
    void tokenDirectory() throws Exception {
        credentials = Files.createTempDirectory("ingest-credentials");
    }

    @Test
    void anAgentsReportReachesTheResultConfigMapAndTheStatus() throws Exception {
        String ns = "ingest-e2e";
        var web = cluster.pod(ns, "web", Map.of("app", "web"), "node-1");
        cluster.job(ns, "pushed", Cluster.spec(Mode.GENERAL, Map.of("app", "web")));
        ProfilingJob job = cluster.awaitCondition(ns, "pushed", ProfilingJobStatus.SCHEDULED, "True");

        Instant start = Instant.now().minusSeconds(45).truncatedTo(ChronoUnit.SECONDS);
        NodeProfile profile = Cluster.profile("node-1", start, List.of(Cluster.podApp(web, 1485)));
        List<Frame> frames = List.of(
                new Frame("ngx_http_process_request", "nginx", Frame.Origin.EXECUTABLE),
                new Frame("main", "nginx", Frame.Origin.EXECUTABLE));
        SliceResult slice = new SliceResult(
                profile,
                List.of(
                        new SymbolizedStack(1, "ingest-e2e/web (main)", frames, 1400),
                        new SymbolizedStack(2, "ingest-e2e/web (main)", frames, 85)),
                List.of(),
                Map.of());
        JobKey key = new JobKey(
                ns, "pushed", job.getMetadata().getUid(), job.getMetadata().getGeneration());

        Files.writeString(credentials.resolve(IngestContract.TOKEN_FILE), FakeTokenReviewer.agentOn("node-1"));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (IngestClient client = new IngestClient(
                URI.create(base.toString()),
                credentials,
                new AgentMetrics("node-1"),
                new PrintStream(log, true, StandardCharsets.UTF_8))) {
            client.send(
                    SliceReports.of(key, "node-1", new SliceWindow(start, profile.end()), slice, List.of(), List.of()));
            assertThat(client.deliverPending())
                    .as(log.toString(StandardCharsets.UTF_8))
                    .isZero();
        }

        ProfilingJob merged = cluster.await(ns, "pushed", j -> j.getStatus().lastSlice != null);
        String name = AgentContract.jobResultName("pushed", start);
        assertThat(merged.getStatus().results).containsExactly(name);
        assertThat(merged.getStatus().nodes).isEqualTo("1/1");
        assertThat(merged.getStatus().topApplications)
                .extracting(a -> a.name + " " + a.cpuPercent)
                .containsExactly("ingest-e2e/web (main) 25.0");
        ConfigMap result = client.configMaps().inNamespace(ns).withName(name).get();
        assertThat(Folded.lines(result, AgentContract.RESULT_ON_CPU_STACKS_KEY))
                .containsExactly("ingest-e2e/web_(main);main;ngx_http_process_request 1485");

        // The web view shows the merged slice as one column, with its flame graph.
        var http = java.net.http.HttpClient.newHttpClient();
        var page = http.send(
                java.net.http.HttpRequest.newBuilder(URI.create(base.toString()).resolve("/ui/jobs/ingest-e2e/pushed"))
                        .header(
                                "Authorization",
                                "Bearer " + dev.ebpf.profiling.operator.ingest.FakeTokenReviewer.user("admin"))
                        .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("all-nodes", "ingest-e2e/web (main)");
        var flame = http.send(
                java.net.http.HttpRequest.newBuilder(URI.create(base.toString())
                                .resolve("/ui/jobs/ingest-e2e/pushed/slices/" + AgentContract.sliceLabel(start)
                                        + "/nodes/all-nodes/on-cpu"))
                        .header(
                                "Authorization",
                                "Bearer " + dev.ebpf.profiling.operator.ingest.FakeTokenReviewer.user("admin"))
                        .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(flame.statusCode()).as(flame.body()).isEqualTo(200);
        assertThat(flame.body()).contains("ngx_http_process_request");
    }

    @Test
    @SuppressWarnings("ClosingStandardOutputStreams") // IngestClient.close() does not close its log stream
    void aPushedTriggerStateShowsInTheStatus() throws Exception {
        String ns = "ingest-trigger";
        cluster.pod(ns, "a", Map.of("app", "a"), "node-2");
        cluster.job(ns, "armed", TriggerModeTest.triggerSpec(Map.of("app", "a")));
        ProfilingJob job = cluster.awaitCondition(ns, "armed", ProfilingJobStatus.SCHEDULED, "True");
        JobKey key = new JobKey(
                ns, "armed", job.getMetadata().getUid(), job.getMetadata().getGeneration());
        Instant read = Instant.now().truncatedTo(ChronoUnit.SECONDS);

        Files.writeString(credentials.resolve(IngestContract.TOKEN_FILE), FakeTokenReviewer.agentOn("node-2"));
        try (IngestClient client =
                new IngestClient(URI.create(base.toString()), credentials, new AgentMetrics("node-2"), System.out)) {
            client.send(new NodeTriggerReport(
                    NodeTriggerReport.SCHEMA_VERSION,
                    key,
                    "node-2",
                    Cluster.triggerState("node-2", "Armed", 12.5, read, List.of())));
            assertThat(client.deliverPending()).isZero();
        }

        ProfilingJob armed = cluster.await(
                ns,
                "armed",
                j -> j.getStatus().armedNodes != null
                        && !j.getStatus().armedNodes.isEmpty()
                        && j.getStatus().armedNodes.getFirst().value != null);
        assertThat(armed.getStatus().armedNodes)
                .extracting(a -> a.node + " " + a.phase + " " + a.value)
                .containsExactly("node-2 Armed 12.5");
    }
}
