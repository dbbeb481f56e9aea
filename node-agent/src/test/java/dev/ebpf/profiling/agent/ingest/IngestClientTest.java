package dev.ebpf.profiling.agent.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.cluster.SliceReports;
import dev.ebpf.profiling.agent.cluster.SliceWindow;
import dev.ebpf.profiling.agent.metrics.AgentMetrics;
import dev.ebpf.profiling.agent.profile.SliceResult;
import dev.ebpf.profiling.agent.symbolize.SymbolizedStack;
import dev.ebpf.profiling.api.ingest.AgentLimitation;
import dev.ebpf.profiling.api.ingest.IngestContract;
import dev.ebpf.profiling.api.ingest.JobKey;
import dev.ebpf.profiling.api.ingest.NodeSliceReport;
import dev.ebpf.profiling.api.profile.ApplicationUsage;
import dev.ebpf.profiling.api.profile.Frame;
import dev.ebpf.profiling.api.profile.LostSamples;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.ProfileJson;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link IngestClient} against a real local HTTPS server with a certificate made for the test. */
class IngestClientTest {

    static final JobKey JOB = new JobKey("shop", "web-cpu", "uid-1", 3);
    static final Instant T0 = Instant.parse("2026-12-01T12:00:00Z");

    /** The operator's key and certificate, made once: keytool is a JVM start each time. */
    @TempDir
    static Path keys;

    @TempDir
    Path dir;

    Path credentials;
    TestIngestServer server;
    AgentMetrics metrics;
    ByteArrayOutputStream logged;
    MutableClock clock;
    IngestClient client;

    @BeforeAll
    static void operatorCertificate() throws Exception {
        TestIngestServer.certificate(keys, keys.resolve(IngestContract.CA_FILE), "operator");
    }

    @BeforeEach
    void serverAndClient() throws Exception {
        credentials = Files.createDirectories(dir.resolve("credentials"));
        Files.copy(keys.resolve(IngestContract.CA_FILE), credentials.resolve(IngestContract.CA_FILE));
        Files.writeString(credentials.resolve(IngestContract.TOKEN_FILE), "token-1\n");
        server = new TestIngestServer(keys, "operator", 0);
        metrics = new AgentMetrics("node-1");
        logged = new ByteArrayOutputStream();
        clock = new MutableClock(T0);
        client = new IngestClient(
                URI.create("https://localhost:" + server.port()),
                credentials,
                metrics,
                new PrintStream(logged, true, StandardCharsets.UTF_8),
                clock);
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    @Test
    void sendsTheTokenOfTheMomentToTheTrustedServer() throws Exception {
        NodeSliceReport report = report(T0);
        client.send(report);
        assertThat(client.deliverPending()).isZero();
        // The kubelet rotates the token: the next request reads the new one.
        Files.writeString(credentials.resolve(IngestContract.TOKEN_FILE), "token-2\n");
        client.send(report(T0.plusSeconds(300)));
        assertThat(client.deliverPending()).isZero();

        assertThat(server.requests)
                .extracting(TestIngestServer.Request::path, TestIngestServer.Request::authorization)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(IngestContract.SLICES_PATH, "Bearer token-1"),
                        org.assertj.core.groups.Tuple.tuple(IngestContract.SLICES_PATH, "Bearer token-2"));
        NodeSliceReport received =
                ProfileJson.mapper().readValue(server.requests.getFirst().body(), NodeSliceReport.class);
        assertThat(received).isEqualTo(report);
        assertThat(scrape())
                .contains("ebpf_profiler_ingest_reports_sent_total{kind=\"slice\",node=\"node-1\"} 2.0")
                .contains("ebpf_profiler_ingest_backlog_reports{node=\"node-1\"} 0.0");
    }

    @Test
    void trustsOnlyTheMountedCa() throws Exception {
        // Another CA in ca.crt: the operator's certificate is not trusted, nothing is sent.
        TestIngestServer.certificate(dir, credentials.resolve(IngestContract.CA_FILE), "impostor");
        client.send(report(T0));
        assertThat(client.deliverPending()).isEqualTo(1);
        assertThat(server.requests).isEmpty();
        assertThat(scrape())
                .contains(
                        "ebpf_profiler_ingest_reports_failed_total{kind=\"slice\",node=\"node-1\",reason=\"unreachable\"} 1.0");
    }

    @Test
    void keepsABoundedBacklogWhileTheOperatorIsDownAndDeliversItWhenItIsBack() throws Exception {
        int port = server.port();
        server.close();
        for (int i = 0; i < 6; i++) {
            client.send(report(T0.plusSeconds(300L * i)));
        }
        assertThat(client.backlog()).isEqualTo(IngestContract.AGENT_BACKLOG_REPORTS);
        assertThat(client.deliverPending()).isEqualTo(4);
        assertThat(client.deliverPending())
                .as("within the back-off nothing is tried")
                .isEqualTo(4);
        assertThat(scrape())
                .contains("ebpf_profiler_ingest_reports_dropped_total{node=\"node-1\"} 2.0")
                .contains("ebpf_profiler_ingest_backlog_reports{node=\"node-1\"} 4.0")
                .contains(
                        "ebpf_profiler_ingest_reports_failed_total{kind=\"slice\",node=\"node-1\",reason=\"unreachable\"} 1.0");

        // Back, answering 503 first: still waiting, with a longer back-off.
        server = new TestIngestServer(keys, "operator", port);
        server.status = 503;
        server.answer = "busy";
        clock.advance(Duration.ofSeconds(1));
        assertThat(client.deliverPending()).isEqualTo(4);
        clock.advance(Duration.ofSeconds(1));
        assertThat(client.deliverPending()).as("the back-off doubled to 2 s").isEqualTo(4);
        server.status = 202;
        clock.advance(Duration.ofSeconds(1));
        assertThat(client.deliverPending()).isZero();

        // The two oldest were dropped; the rest arrive in order.
        List<Instant> delivered = new ArrayList<>();
        for (var request : server.requests.subList(1, server.requests.size())) {
            delivered.add(ProfileJson.mapper()
                    .readValue(request.body(), NodeSliceReport.class)
                    .sliceStart());
        }
        assertThat(delivered)
                .containsExactlyElementsOf(IntStream.range(2, 6)
                        .mapToObj(i -> T0.plusSeconds(300L * i))
                        .toList());
        assertThat(logged.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("unreachable")))
                .hasSize(1);
    }

    @Test
    void aRefusalIsFinalAndLoggedOnceExceptNotAcceptedYetWhichIsTriedOnceMore() throws Exception {
        server.status = 403;
        server.answer = "otherNode: the agent on node-2 sent a report for node node-1";
        client.send(report(T0));
        client.send(report(T0.plusSeconds(300)));
        assertThat(client.deliverPending()).isZero();
        assertThat(server.requests).hasSize(2);
        assertThat(logged.toString(StandardCharsets.UTF_8).lines())
                .containsExactly("ingest: slice report of shop/web-cpu refused (403): otherNode: the agent on node-2"
                        + " sent a report for node node-1");

        server.requests.clear();
        server.status = 409;
        server.answer = "jobNotAccepted: ProfilingJob shop/web-cpu is not accepted at generation 3";
        client.send(report(T0.plusSeconds(600)));
        assertThat(client.deliverPending()).isEqualTo(1);
        clock.advance(IngestClient.FIRST_BACKOFF);
        assertThat(client.deliverPending()).isZero();
        assertThat(server.requests).hasSize(2);
        assertThat(scrape())
                .contains(
                        "ebpf_profiler_ingest_reports_failed_total{kind=\"slice\",node=\"node-1\",reason=\"otherNode\"} 2.0")
                .contains(
                        "ebpf_profiler_ingest_reports_failed_total{kind=\"slice\",node=\"node-1\",reason=\"jobNotAccepted\"} 2.0")
                .contains("ebpf_profiler_ingest_reports_dropped_total{node=\"node-1\"} 3.0");
    }

    @Test
    void aSliceResultBecomesAReportWithItsHottestStacksFirstAndTheRestCounted() {
        List<SymbolizedStack> stacks = new ArrayList<>();
        for (int i = 0; i < IngestContract.MAX_STACKS_PER_REPORT + 5; i++) {
            stacks.add(
                    new SymbolizedStack(7, "web", List.of(new Frame("f" + i, "web", Frame.Origin.EXECUTABLE)), 1 + i));
        }
        // The same stack twice (two threads): one line, counts summed.
        stacks.add(new SymbolizedStack(
                8,
                "web",
                List.of(
                        new Frame("tcp_sendmsg", "vmlinux", Frame.Origin.KERNEL),
                        new Frame("send", "libc.so.6", Frame.Origin.LIBRARY)),
                5_000));
        stacks.add(new SymbolizedStack(
                9,
                "web",
                List.of(
                        new Frame("tcp_sendmsg", "vmlinux", Frame.Origin.KERNEL),
                        new Frame("send", "libc.so.6", Frame.Origin.LIBRARY)),
                5_000));
        SliceResult slice = new SliceResult(profile(T0), stacks, List.of(), Map.of());
        var hidden = new AgentLimitation(AgentLimitation.KERNEL_SYMBOLS_HIDDEN, "kallsyms shows zeros");

        NodeSliceReport report = SliceReports.of(
                JOB, "node-1", new SliceWindow(T0, T0.plusSeconds(30)), slice, List.of(), List.of(hidden));

        assertThat(report.onCpuStacks()).hasSize(IngestContract.MAX_STACKS_PER_REPORT);
        assertThat(report.onCpuStacks().entrySet().iterator().next())
                .isEqualTo(Map.entry("web;send;tcp_sendmsg_[k]", 10_000L));
        assertThat(report.onCpuStacks()).doesNotContainKey("web;f0");
        assertThat(report.droppedStacks()).isEqualTo(6);
        assertThat(report.offCpuStacks()).isEmpty();
        assertThat(report.limitations()).containsExactly(hidden);
        assertThat(report.profile()).isEqualTo(slice.profile());
        assertThat(report.schemaVersion()).isEqualTo(NodeSliceReport.SCHEMA_VERSION);
    }

    static NodeSliceReport report(Instant start) {
        SliceResult slice = new SliceResult(
                profile(start),
                List.of(new SymbolizedStack(7, "web", List.of(new Frame("main", "web", Frame.Origin.EXECUTABLE)), 10)),
                List.of(),
                Map.of());
        return SliceReports.of(
                JOB, "node-1", new SliceWindow(start, start.plusSeconds(30)), slice, List.of(), List.of());
    }

    static NodeProfile profile(Instant start) {
        return new NodeProfile(
                "node-1",
                "cpu-clock",
                99,
                List.of(0, 1),
                start,
                start.plusSeconds(30),
                30.0,
                10,
                0,
                LostSamples.NONE,
                List.of(new ApplicationUsage(1, "web", null, null, List.of(7), 10, 0.2)));
    }

    private String scrape() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.writeText(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
