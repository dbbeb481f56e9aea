package dev.ebpf.profiling.operator.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebpf.profiling.agent.testsupport.TestTags;
import dev.ebpf.profiling.api.job.ProfilingJob;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The web view in real headless Chromium, served by the running operator: the job page of a job
 * whose slices this test wrote, a click on a flame graph link, a click into a frame that zooms.
 * The screenshots stay in operator/target/web-browser/.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@Tag(TestTags.SLOW)
class WebBrowserTest {

    private static final String ON_CPU = """
            nginx;main;ngx_process_events;tcp_sendmsg_[k] 500
            nginx;main;ngx_process_events;tcp_recvmsg_[k] 300
            nginx;main;ngx_http_parse_request_line 200
            """;
    /** The page's left and right padding around the drawing (HtmlFlameGraph's layout). */
    private static final double SIDE_PADDING = 2 * 10;

    @Inject
    KubernetesClient client;

    @TestHTTPResource("/ui/jobs/browser-ns/nginx-jitter")
    URL jobPage;

    @Test
    void followingAFlameGraphLinkFromTheJobPageAndClickingAFrameZoomsIntoIt() throws Exception {
        WebCluster cluster = new WebCluster(client);
        ProfilingJob job = cluster.job("browser-ns", "nginx-jitter", "node-1", "node-2");
        Instant first = Instant.parse("2026-11-26T12:00:00Z");
        for (int slice = 0; slice < 3; slice++) {
            Instant start = first.plusSeconds(300L * slice);
            cluster.result(
                    job,
                    WebCluster.profile(
                            "node-1", start, List.of(WebCluster.app("browser-ns", "nginx-0", 30 + 10 * slice))),
                    ON_CPU,
                    null,
                    0);
            cluster.result(
                    job,
                    WebCluster.profile("node-2", start, List.of(WebCluster.app("browser-ns", "redis-0", 15))),
                    "redis;main;dictFind 100\n",
                    null,
                    0);
        }
        Path screenshots = Files.createDirectories(WebChromium.WORK);
        Files.deleteIfExists(screenshots.resolve("zoomed-flame-graph.png"));

        JsonNode seen =
                WebChromium.run("check", jobPage.toString(), "on-CPU", "ngx_process_events", screenshots.toString());

        assertThat(seen.get("errors"))
                .as("script errors or blocked loads in the pages")
                .isEmpty();
        assertThat(seen.get("external")).as("requests leaving the operator").isEmpty();
        JsonNode jobSeen = seen.get("job");
        assertThat(jobSeen.get("status").asInt()).isEqualTo(200);
        assertThat(jobSeen.get("heading").asText()).isEqualTo("ProfilingJob browser-ns/nginx-jitter");
        assertThat(jobSeen.get("rows").asInt()).isEqualTo(3);
        assertThat(jobSeen.get("points").asInt())
                .as("3 slices x 2 applications")
                .isEqualTo(6);
        assertThat(jobSeen.get("legend"))
                .extracting(JsonNode::asText)
                .containsExactly("browser-ns/nginx-0 (main)", "browser-ns/redis-0 (main)");

        // The newest slice (12:10:00), both nodes' stacks merged.
        assertThat(seen.get("flameUrl").asText())
                .endsWith("/ui/jobs/browser-ns/nginx-jitter/slices/20261126T121000Z/nodes/all-nodes/on-cpu");
        JsonNode before = seen.get("before");
        assertThat(before.get("kind").asText()).isEqualTo("on-cpu");
        assertThat(before.get("subtitle").asText()).isEqualTo("node all-nodes, slice 20261126T121000Z");
        assertThat(before.get("zoom").asText()).isEqualTo("all");
        double drawable = before.get("svgWidth").asDouble() - SIDE_PADDING;
        // node-1's 1000 samples and node-2's 100.
        assertThat(width(before, "ngx_process_events")).isCloseTo(drawable * 800 / 1100, within(0.01));

        JsonNode zoomed = seen.get("zoomed");
        assertThat(zoomed.get("zoom").asText()).isEqualTo("ngx_process_events");
        assertThat(width(zoomed, "ngx_process_events")).isCloseTo(drawable, within(0.01));
        assertThat(width(zoomed, "tcp_sendmsg_[k]")).isCloseTo(drawable * 500 / 800, within(0.01));
        assertThat(zoomed.get("frames").has("ngx_http_parse_request_line"))
                .as("a sibling outside the zoom")
                .isFalse();
        assertThat(zoomed.get("frames").get("nginx").get("ancestor").asBoolean())
                .isTrue();

        byte[] png = Files.readAllBytes(screenshots.resolve("zoomed-flame-graph.png"));
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
        assertThat(png.length).isGreaterThan(1000);
    }

    private static double width(JsonNode snapshot, String frame) {
        JsonNode node = snapshot.get("frames").get(frame);
        assertThat(node).as("frame %s is drawn", frame).isNotNull();
        return node.get("width").asDouble();
    }
}
