package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.NetRxStatus;
import dev.ebpf.profiling.api.job.Profiler;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import dev.ebpf.profiling.api.profile.DelayBucket;
import dev.ebpf.profiling.api.profile.LateRead;
import dev.ebpf.profiling.api.profile.NetRxApplication;
import dev.ebpf.profiling.api.profile.NetRxProfile;
import dev.ebpf.profiling.api.profile.QueueDelay;
import dev.ebpf.profiling.api.profile.SoftirqCpu;
import dev.ebpf.profiling.api.profile.WorstSocket;
import io.fabric8.kubernetes.api.model.Pod;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Net-rx parts of the nodes' reports: merged into the status summary and shown on the job page. */
@QuarkusTest
class NetRxResultsTest extends ThreeNodeClusterTest {

    @TestHTTPResource("/")
    URL server;

    private static NetRxProfile netRx(String app, long reads, double fromMs, double toMs, double maxMs) {
        QueueDelay delay = QueueDelay.of(List.of(new DelayBucket(fromMs, toMs, reads)), maxMs, reads * maxMs / 2);
        return new NetRxProfile(
                List.of(new NetRxApplication(
                        1,
                        app,
                        null,
                        List.of(7),
                        reads * 2,
                        reads * 1000,
                        delay,
                        List.of(new WorstSocket("tcp", "10.0.0.1:80", "10.0.0.9:4000", reads, 1000, maxMs, maxMs / 2)),
                        List.of(new LateRead(
                                "10.0.0.1:80", maxMs, 7, LateRead.OFF_CPU, "sleep", 1, 2, 97, List.of(), List.of())))),
                List.of(new SoftirqCpu(
                        null,
                        1,
                        40,
                        12_000,
                        900,
                        1,
                        300,
                        10,
                        800,
                        3.5,
                        List.of(new SoftirqCpu.Interrupted(app, 9000, 30)))),
                NetRxProfile.Lost.NONE);
    }

    @Test
    void theNodesNetRxPartsAreMergedIntoTheStatusAndTheJobPage() throws Exception {
        String ns = "net-rx-merge";
        Pod web = cluster.pod(ns, "web", Map.of("tier", "app"), "node-1");
        Pod api = cluster.pod(ns, "api", Map.of("tier", "app"), "node-2");
        Pod db = cluster.pod(ns, "db", Map.of("tier", "app"), "node-3");
        ProfilingJobSpec spec = Cluster.spec(Mode.GENERAL, Map.of("tier", "app"));
        spec.profilers = List.of(Profiler.ON_CPU, Profiler.NET_RX);
        ProfilingJob job = cluster.job(ns, "slow-reader", spec);
        cluster.awaitCondition(ns, "slow-reader", dev.ebpf.profiling.api.job.ProfilingJobStatus.SCHEDULED, "True");

        Instant slice = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(30);
        // nginx on node-1 waits ~50 ms (10 reads), on node-2 microseconds (90 reads): merged, the
        // median is fast and p99 slow; node-3 ran without net-rx (an older agent, a missing tracepoint).
        cluster.result(
                job,
                Cluster.profile("node-1", slice, List.of(Cluster.podApp(web, 100)))
                        .withNetRx(netRx("nginx", 10, 32.768, 65.536, 55)));
        cluster.result(
                job,
                Cluster.profile("node-2", slice, List.of(Cluster.podApp(api, 100)))
                        .withNetRx(netRx("nginx", 90, 0.016, 0.032, 0.03)));
        cluster.result(job, Cluster.profile("node-3", slice, List.of(Cluster.podApp(db, 100))));

        ProfilingJob merged = cluster.await(ns, "slow-reader", j -> "3/3".equals(j.getStatus().nodes));
        List<NetRxStatus> summary = merged.getStatus().netRx;
        assertThat(summary).hasSize(1);
        NetRxStatus nginx = summary.getFirst();
        assertThat(nginx.name).isEqualTo("nginx");
        assertThat(nginx.packets).isEqualTo(200);
        assertThat(nginx.p50Ms).isBetween(0.016, 0.032);
        assertThat(nginx.p99Ms).isBetween(32.768, 55.0);
        assertThat(nginx.maxMs).isEqualTo(55.0);
        assertThat(nginx.lateBecause).isEqualTo("off-cpu (sleep)");

        HttpResponse<String> page = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(server + "ui/jobs/" + ns + "/slow-reader"))
                                // The web view serves only requests with a token the (fake) reviewers accept.
                                .header(
                                        "Authorization",
                                        "Bearer "
                                                + dev.ebpf.profiling.operator.ingest.FakeTokenReviewer.user(
                                                        dev.ebpf.profiling.operator.web.FakeAccessReviewer.ADMIN))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body())
                .contains("<table id=\"net-rx\">", "<td>nginx</td>", "off-cpu (sleep): waited 55.0 ms")
                .contains(
                        "<table id=\"softirq\">",
                        "<td>node-1</td><td>1</td><td>40.0</td>",
                        "<td>node-2</td><td>1</td><td>40.0</td>");
    }
}
