package dev.ebpf.profiling.operator.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.operator.ingest.FakeTokenReviewer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The web view's pages over HTTP, on the running operator and the mock API server. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class WebPagesTest {

    private static final Instant SLICE_1 = Instant.parse("2026-11-26T12:00:00Z");
    private static final Instant SLICE_2 = Instant.parse("2026-11-26T12:05:00Z");
    private static final Instant SLICE_3 = Instant.parse("2026-11-26T12:10:00Z");
    private static final String ON_CPU = """
            main;ngx_process_events;tcp_sendmsg_[k] 500
            main;ngx_http_parse_request_line 200
            """;
    private static final String OFF_CPU = "main;epoll_wait;schedule_[k] 900\n";
    private static final String HOSTILE = "<script>alert('x')</script>\"&";

    @Inject
    KubernetesClient client;

    @TestHTTPResource("/")
    URL server;

    private WebCluster cluster;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeEach
    void fixture() {
        cluster = new WebCluster(client);
    }

    @Test
    void theJobListShowsEachJobWithItsStatusFigures() throws Exception {
        ProfilingJob job = cluster.job("list-ns", "nginx-jitter", "node-1");
        cluster.push(
                job,
                WebCluster.profile("node-1", SLICE_1, List.of(WebCluster.app("list-ns", "nginx-0", 48.7))),
                ON_CPU);
        // The operator merges the slice into the status; the list shows what the status says.
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
            ProfilingJob seen = client.resource(job).get();
            return seen.getStatus() != null && seen.getStatus().lastSlice != null;
        });

        HttpResponse<String> page = get("/ui/");

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(page.headers().firstValue("Content-Security-Policy")).contains(WebResource.CONTENT_SECURITY_POLICY);
        String row = row(page.body(), "nginx-jitter");
        assertThat(cells(row))
                .containsExactly(
                        "list-ns",
                        "nginx-jitter",
                        "general",
                        "Profiling",
                        "1/1",
                        "2026-11-26T12:00:00Z",
                        "list-ns/nginx-0 (main)",
                        "48.7");
        assertThat(row).contains("href=\"/ui/jobs/list-ns/nginx-jitter\"");
        assertThat(get("/ui").statusCode()).as("without the trailing slash too").isEqualTo(200);
    }

    @Test
    void theJobPageChartsTheBusiestApplicationsPerSliceAndLinksEveryNodesFlameGraphs() throws Exception {
        ProfilingJob job = cluster.job("chart-ns", "web", "node-a", "node-b");
        // Each slice is one column, all nodes merged: an application's CPU% is over the CPUs of every
        // node that reported the slice (web-0's 20% of node-a is 10% of node-a and node-b).
        put(
                job,
                "node-a",
                SLICE_1,
                ON_CPU,
                OFF_CPU,
                0,
                WebCluster.app("chart-ns", "web-0", 20),
                WebCluster.hostProcess("sshd", 5));
        put(job, "node-b", SLICE_1, ON_CPU, null, 0, WebCluster.app("chart-ns", "api-0", 10));
        put(job, "node-a", SLICE_2, ON_CPU, OFF_CPU, 0, WebCluster.app("chart-ns", "web-0", 60));
        put(job, "node-b", SLICE_2, ON_CPU, null, 42, WebCluster.app("chart-ns", "api-0", 30));
        // node-b has not reported the newest slice.
        put(job, "node-a", SLICE_3, ON_CPU, OFF_CPU, 0, WebCluster.app("chart-ns", "web-0", 40));

        HttpResponse<String> page = get("/ui/jobs/chart-ns/web");

        assertThat(page.statusCode()).isEqualTo(200);
        String html = page.body();
        assertThat(html).contains("<h1>ProfilingJob chart-ns/web</h1>", "3 slices kept, each merged over its nodes.");
        assertThat(series(html, "chart-ns/web-0 (main)"))
                .containsExactly("20261126T120000Z=10", "20261126T120500Z=30", "20261126T121000Z=40");
        assertThat(series(html, "chart-ns/api-0 (main)"))
                .containsExactly("20261126T120000Z=5", "20261126T120500Z=15", "20261126T121000Z=0");
        assertThat(series(html, "node-a: sshd"))
                .containsExactly("20261126T120000Z=2.5", "20261126T120500Z=0", "20261126T121000Z=0");
        assertThat(html)
                .contains("<li><span class=\"swatch\" style=\"background:#4e79a7\"></span>chart-ns/web-0 (main)</li>");

        // Newest slice first; each slice's one column (all nodes merged) links its flame graphs.
        String newest = row(html, "12:10:00");
        assertThat(cells(newest))
                .containsExactly(
                        "2026-11-26 12:10:00 \u2013 2026-11-26 12:10:30",
                        "chart-ns/web-0 (main) 40.0%",
                        "2,376 sampleson-CPU \u00b7 off-CPU");
        assertThat(newest)
                .contains(
                        "href=\"/ui/jobs/chart-ns/web/slices/20261126T121000Z/nodes/all-nodes/on-cpu\"",
                        "href=\"/ui/jobs/chart-ns/web/slices/20261126T121000Z/nodes/all-nodes/off-cpu\"");
        String middle = row(html, "12:05:00");
        assertThat(middle)
                .contains("/nodes/all-nodes/on-cpu\"", "/nodes/all-nodes/off-cpu\"", "42 coldest stacks dropped")
                .doesNotContain("/nodes/node-a/", "/nodes/node-b/");
        assertThat(html.indexOf("12:10:00")).isLessThan(html.indexOf("id=\"slice-20261126T120500Z\""));
    }

    @Test
    void everyRequestReadsTheApiServerSoAnotherWritersChangesShowAtOnce() throws Exception {
        ProfilingJob job = cluster.job("live-ns", "worker", "node-1");
        var first = cluster.result(
                job,
                WebCluster.profile("node-1", SLICE_1, List.of(WebCluster.app("live-ns", "worker-0", 10))),
                ON_CPU,
                null,
                0);
        assertThat(get("/ui/jobs/live-ns/worker").body()).contains("1 slice kept", "id=\"slice-20261126T120000Z\"");

        // A new slice is written and the old one pruned, behind this view's back.
        cluster.result(
                job,
                WebCluster.profile("node-1", SLICE_2, List.of(WebCluster.app("live-ns", "worker-0", 20))),
                ON_CPU,
                null,
                0);
        client.resource(first).delete();
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> client.configMaps()
                                .inNamespace("live-ns")
                                .withName(first.getMetadata().getName())
                                .get()
                        == null);

        String html = get("/ui/jobs/live-ns/worker").body();
        assertThat(html)
                .contains("1 slice kept", "id=\"slice-20261126T120500Z\"")
                .doesNotContain("slice-20261126T120000Z");
        assertThat(get("/ui/jobs/live-ns/worker/slices/20261126T120000Z/nodes/all-nodes/on-cpu")
                        .statusCode())
                .isEqualTo(404);
    }

    @Test
    void flameGraphPagesComeFromTheResultConfigMapsStacks() throws Exception {
        ProfilingJob job = cluster.job("flame-ns", "db", "node-1");
        put(job, "node-1", SLICE_1, ON_CPU, OFF_CPU, 0, WebCluster.app("flame-ns", "db-0", 10));
        String base = "/ui/jobs/flame-ns/db/slices/" + AgentContract.sliceLabel(SLICE_1) + "/nodes/all-nodes/";

        HttpResponse<String> onCpu = get(base + "on-cpu");
        assertThat(onCpu.statusCode()).isEqualTo(200);
        assertThat(onCpu.body())
                .contains(
                        "<body data-kind=\"on-cpu\">",
                        "ProfilingJob flame-ns/db",
                        "node all-nodes, slice 20261126T120000Z",
                        "ngx_process_events",
                        "tcp_sendmsg_[k]");
        assertThat(onCpu.headers().firstValue("Content-Security-Policy")).contains(WebResource.CONTENT_SECURITY_POLICY);

        HttpResponse<String> offCpu = get(base + "off-cpu");
        assertThat(offCpu.statusCode()).isEqualTo(200);
        assertThat(offCpu.body())
                .contains("<body data-kind=\"off-cpu\">", "epoll_wait", WebResource.OFF_CPU_UNIT)
                .doesNotContain("ngx_process_events");
    }

    @Test
    void aTriggeredWindowLinksTheFlameGraphOfTheMomentsBeforeTheTrigger() throws Exception {
        ProfilingJob job = cluster.job("history-ns", "spike", "node-1");
        NodeProfile window =
                WebCluster.profile("node-1", SLICE_1, List.of(WebCluster.app("history-ns", "batch-0", 90)));
        cluster.result(job, window, ON_CPU, null, "batch;spin_before_spike 40\n", 0);
        String slice = AgentContract.sliceLabel(SLICE_1);

        String row = row(get("/ui/jobs/history-ns/spike").body(), "12:00:00");
        assertThat(cells(row)).contains("5,346 sampleson-CPU \u00b7 before trigger");
        String href = "/ui/jobs/history-ns/spike/slices/" + slice + "/nodes/all-nodes/pre-trigger";
        assertThat(row).contains("class=\"pre-trigger\" href=\"" + href + "\"");

        HttpResponse<String> before = get(href);
        assertThat(before.statusCode()).isEqualTo(200);
        assertThat(before.body())
                .contains("On-CPU flame graph before the trigger: ProfilingJob history-ns/spike", "spin_before_spike")
                .doesNotContain("ngx_process_events");
        // A window without history (general mode, or nothing kept yet) says so.
        put(job, "node-1", SLICE_2, ON_CPU, null, 0, WebCluster.app("history-ns", "batch-0", 10));
        assertNotFound(
                "/ui/jobs/history-ns/spike/slices/" + AgentContract.sliceLabel(SLICE_2)
                        + "/nodes/all-nodes/pre-trigger",
                "has no pre-trigger stacks (history-on-cpu.folded.gz)");
    }

    @Test
    void whatIsNotThereIsA404ThatSaysWhat() throws Exception {
        ProfilingJob job = cluster.job("missing-ns", "cache", "node-1");
        put(job, "node-1", SLICE_1, ON_CPU, null, 0, WebCluster.app("missing-ns", "cache-0", 10));
        String slice = AgentContract.sliceLabel(SLICE_1);

        assertNotFound("/ui/jobs/missing-ns/nope", "There is no ProfilingJob missing-ns/nope.");
        assertNotFound(
                "/ui/jobs/missing-ns/cache/slices/20300101T000000Z/nodes/all-nodes/on-cpu",
                "No result ConfigMap for job missing-ns/cache, slice 20300101T000000Z, node all-nodes");
        assertNotFound(
                "/ui/jobs/missing-ns/cache/slices/" + slice + "/nodes/node-1/on-cpu",
                "No result ConfigMap for job missing-ns/cache, slice " + slice + ", node node-1");
        assertNotFound(
                "/ui/jobs/missing-ns/cache/slices/" + slice + "/nodes/all-nodes/off-cpu",
                "has no off-cpu stacks (off-cpu.folded.gz)");
        assertNotFound(
                "/ui/jobs/missing-ns/cache/slices/" + slice + "/nodes/node-1/heap",
                "There is no flame graph &#39;heap&#39;: the kinds are on-cpu, off-cpu and pre-trigger.");
        assertNotFound("/ui/jobs/missing-ns/cache/slices/not-a-slice/nodes/node-1/on-cpu", "slice not-a-slice");
        assertNotFound("/ui/jobs/Bad_Namespace/cache", "There is no ProfilingJob Bad_Namespace/cache.");
    }

    @Test
    void stacksThatAreNotGzipAre500WithTheConfigMapNamed() throws Exception {
        ProfilingJob job = cluster.job("broken-ns", "app", "node-1");
        NodeProfile profile = WebCluster.profile("node-1", SLICE_1, List.of(WebCluster.app("broken-ns", "app-0", 10)));
        cluster.write(
                job,
                profile,
                Map.of(
                        AgentContract.RESULT_ON_CPU_STACKS_KEY,
                        java.util.Base64.getEncoder()
                                .encodeToString("plain text".getBytes(java.nio.charset.StandardCharsets.UTF_8))));

        HttpResponse<String> page =
                get("/ui/jobs/broken-ns/app/slices/" + AgentContract.sliceLabel(SLICE_1) + "/nodes/all-nodes/on-cpu");

        assertThat(page.statusCode()).isEqualTo(500);
        assertThat(page.body())
                .contains("Result ConfigMap " + AgentContract.jobResultName("app", SLICE_1)
                        + ": on-cpu.folded.gz is not gzipped base64");
    }

    @Test
    void hostileApplicationAndNodeNamesAreEscapedAndTheirLinksStillWork() throws Exception {
        ProfilingJob job = cluster.job("hostile-ns", "evil", "node-1");
        String node = "node/" + HOSTILE;
        put(job, node, SLICE_1, HOSTILE + ";</script><b>frame 10\n", null, 0, WebCluster.hostProcess(HOSTILE, 30));

        String html = get("/ui/jobs/hostile-ns/evil").body();

        assertThat(html)
                .doesNotContain("<script>", "</script>\"", "<b>")
                .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;");
        Matcher link = Pattern.compile("href=\"([^\"]*/on-cpu)\"").matcher(html);
        assertThat(link.find()).as("an on-CPU link for the slice").isTrue();
        String href = link.group(1).replace("&amp;", "&");
        assertThat(href).isEqualTo("/ui/jobs/hostile-ns/evil/slices/20261126T120000Z/nodes/all-nodes/on-cpu");

        HttpResponse<String> flame = get(href);
        assertThat(flame.statusCode()).isEqualTo(200);
        assertThat(flame.body()).contains("node all-nodes").doesNotContain("<b>frame");
        // A node name from the URL is escaped in the 404 that names it.
        assertNotFound(
                "/ui/jobs/hostile-ns/evil/slices/20261126T120000Z/nodes/node%2F%3Cscript%3E/on-cpu",
                "node node/&lt;script&gt;");
    }

    @Test
    void aRequestWithoutAValidBearerTokenIs401() throws Exception {
        ProfilingJob job = cluster.job("anon-ns", "app", "node-1");
        put(job, "node-1", SLICE_1, ON_CPU, null, 0, WebCluster.app("anon-ns", "app-0", 10));
        String flame = "/ui/jobs/anon-ns/app/slices/" + AgentContract.sliceLabel(SLICE_1) + "/nodes/all-nodes/on-cpu";

        for (String path : List.of("/ui/", "/ui/jobs/anon-ns/app", flame)) {
            HttpResponse<String> anonymous = get(path, null);
            assertThat(anonymous.statusCode()).as(path).isEqualTo(401);
            assertThat(anonymous.headers().firstValue("WWW-Authenticate"))
                    .as(path)
                    .contains("Bearer");
            assertThat(anonymous.body())
                    .as(path)
                    .contains("needs a Kubernetes bearer token")
                    .doesNotContain("app-0");
        }
        HttpResponse<String> forged = http.send(
                HttpRequest.newBuilder(server.toURI().resolve("/ui/"))
                        .header("Authorization", "Bearer not-a-kubernetes-token")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(forged.body()).contains("did not accept the bearer token");
    }

    @Test
    void aUserSeesOnlyTheJobsTheyMayGet() throws Exception {
        ProfilingJob own = cluster.job("alice-ns", "mine", "node-1");
        put(own, "node-1", SLICE_1, ON_CPU, null, 0, WebCluster.app("alice-ns", "mine-0", 10));
        ProfilingJob other = cluster.job("bob-ns", "theirs", "node-1");
        put(other, "node-1", SLICE_1, ON_CPU, null, 0, WebCluster.app("bob-ns", "theirs-0", 10));
        cluster.job("bob-ns", "shared", "node-1");
        FakeAccessReviewer.grant("alice", "alice-ns");
        FakeAccessReviewer.grant("alice", "bob-ns/shared");

        String list = get("/ui/", "alice").body();
        assertThat(list).contains(">mine<", ">shared<").doesNotContain("theirs");
        assertThat(get("/ui/jobs/alice-ns/mine", "alice").statusCode()).isEqualTo(200);
        assertThat(get("/ui/jobs/bob-ns/shared", "alice").statusCode()).isEqualTo(200);

        // Another namespace's job is not there for her: the same 404 as a job that does not exist.
        HttpResponse<String> page = get("/ui/jobs/bob-ns/theirs", "alice");
        assertThat(page.statusCode()).isEqualTo(404);
        assertThat(page.body())
                .contains("There is no ProfilingJob bob-ns/theirs.")
                .doesNotContain("theirs-0");
        HttpResponse<String> flame = get(
                "/ui/jobs/bob-ns/theirs/slices/" + AgentContract.sliceLabel(SLICE_1) + "/nodes/all-nodes/on-cpu",
                "alice");
        assertThat(flame.statusCode()).isEqualTo(404);
        assertThat(flame.body()).doesNotContain("ngx_process_events");
        // A user granted nothing sees an empty list.
        assertThat(get("/ui/", "mallory").body()).doesNotContain(">mine<", ">theirs<", ">shared<");

        // The answers are cached: asking again costs no new review.
        int before = FakeAccessReviewer.reviews();
        get("/ui/jobs/alice-ns/mine", "alice");
        assertThat(FakeAccessReviewer.reviews()).isEqualTo(before);
    }

    @Test
    void stacksThatUngzipBeyondTheCapAreRefusedNotRead() throws Exception {
        ProfilingJob job = cluster.job("bomb-ns", "app", "node-1");
        NodeProfile profile = WebCluster.profile("node-1", SLICE_1, List.of(WebCluster.app("bomb-ns", "app-0", 10)));
        // 48 MiB of one repeated line gzips to well under 1 MiB: a ConfigMap can carry it.
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (var out = new java.util.zip.GZIPOutputStream(gz)) {
            byte[] line = "a;b;c 1\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            for (int i = 0; i < 48 * 1024 * 1024 / line.length; i++) {
                out.write(line);
            }
        }
        assertThat(gz.size()).isLessThan(AgentContract.RESULT_MAX_BYTES / 2);
        cluster.write(
                job,
                profile,
                Map.of(
                        AgentContract.RESULT_ON_CPU_STACKS_KEY,
                        java.util.Base64.getEncoder().encodeToString(gz.toByteArray())));

        HttpResponse<String> page =
                get("/ui/jobs/bomb-ns/app/slices/" + AgentContract.sliceLabel(SLICE_1) + "/nodes/all-nodes/on-cpu");

        assertThat(page.statusCode()).isEqualTo(413);
        assertThat(page.body())
                .contains("Result ConfigMap " + AgentContract.jobResultName("app", SLICE_1)
                        + ": on-cpu.folded.gz is larger than 32 MiB once ungzipped");
    }

    private void put(
            ProfilingJob job,
            String node,
            Instant slice,
            String onCpu,
            String offCpu,
            int truncated,
            dev.ebpf.profiling.api.profile.ApplicationUsage... apps) {
        cluster.result(job, WebCluster.profile(node, slice, List.of(apps)), onCpu, offCpu, truncated);
    }

    private void assertNotFound(String path, String message) throws Exception {
        HttpResponse<String> page = get(path);
        assertThat(page.statusCode()).as(path).isEqualTo(404);
        assertThat(page.body()).as(path).contains(message);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return get(path, FakeAccessReviewer.ADMIN);
    }

    /** A request as {@code user} (a token FakeTokenReviewer accepts); null for none. */
    private HttpResponse<String> get(String path, String user) throws Exception {
        URI uri = server.toURI().resolve(path);
        HttpRequest.Builder request =
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET();
        if (user != null) {
            request.header("Authorization", "Bearer " + FakeTokenReviewer.user(user));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The table row holding {@code text}. */
    private static String row(String html, String text) {
        Matcher rows = Pattern.compile("<tr[^>]*>.*?</tr>").matcher(html);
        while (rows.find()) {
            if (rows.group().contains(text) && !rows.group().contains("<th>")) {
                return rows.group();
            }
        }
        throw new AssertionError("no table row with " + text + " in\n" + html);
    }

    /** A row's cells as text, tags dropped. */
    private static List<String> cells(String row) {
        Matcher cells = Pattern.compile("<td[^>]*>(.*?)</td>").matcher(row);
        List<String> out = new java.util.ArrayList<>();
        while (cells.find()) {
            out.add(cells.group(1).replaceAll("<[^>]+>", "").replace("&#39;", "'"));
        }
        return out;
    }

    /** One chart line as slice=cpu% points. */
    private static List<String> series(String html, String application) {
        int group = html.indexOf("<g class=\"series\" data-application=\"" + application + "\">");
        assertThat(group).as("a chart line for %s", application).isGreaterThanOrEqualTo(0);
        String body = html.substring(group, html.indexOf("</g>", group));
        Matcher points =
                Pattern.compile("data-slice=\"([^\"]+)\" data-cpu=\"([^\"]+)\"").matcher(body);
        List<String> out = new java.util.ArrayList<>();
        while (points.find()) {
            out.add(points.group(1) + "=" + points.group(2));
        }
        return out;
    }
}
