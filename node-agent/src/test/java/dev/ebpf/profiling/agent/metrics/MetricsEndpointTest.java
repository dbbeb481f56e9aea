package dev.ebpf.profiling.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The HTTP side of /metrics: what Prometheus and a person with curl get, and how a bad port fails. */
class MetricsEndpointTest {

    private final AgentMetrics metrics = new AgentMetrics(MetricsSlices.NODE);

    @Test
    void getMetricsAnswersTheTextFormat() throws Exception {
        metrics.sliceCollected(MetricsSlices.first(), Duration.ofMillis(2), Duration.ofMillis(50));
        try (MetricsEndpoint endpoint = Scrapes.start(metrics)) {
            HttpResponse<String> response = Scrapes.request(endpoint, "GET", MetricsEndpoint.PATH);

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type"))
                    .hasValue("text/plain; version=0.0.4; charset=utf-8");
            assertThat(response.body())
                    .contains(
                            "# TYPE ebpf_profiler_samples_total counter\n",
                            "# TYPE ebpf_profiler_application_cpu_percent gauge\n",
                            "# TYPE ebpf_profiler_slice_drain_seconds histogram\n");
        }
    }

    @Test
    void eachScrapeSeesTheLatestValues() throws Exception {
        try (MetricsEndpoint endpoint = Scrapes.start(metrics)) {
            metrics.uploadsPending(5);
            assertThat(Scrapes.scrape(endpoint).value("ebpf_profiler_uploads_pending", Map.of()))
                    .isEqualTo(5);
            metrics.uploadsPending(0);
            assertThat(Scrapes.scrape(endpoint).value("ebpf_profiler_uploads_pending", Map.of()))
                    .isEqualTo(0);
        }
    }

    @Test
    void otherPathsAreNotFoundAndOtherMethodsNotAllowed() throws Exception {
        try (MetricsEndpoint endpoint = Scrapes.start(metrics)) {
            assertThat(Scrapes.request(endpoint, "GET", "/").statusCode()).isEqualTo(404);
            assertThat(Scrapes.request(endpoint, "GET", "/metrics/extra").statusCode())
                    .isEqualTo(404);
            HttpResponse<String> post = Scrapes.request(endpoint, "POST", MetricsEndpoint.PATH);
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
            HttpResponse<String> head = Scrapes.request(endpoint, "HEAD", MetricsEndpoint.PATH);
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.body()).isEmpty();
        }
    }

    @Test
    void aPortInUseFailsWithOneLineNamingThePort() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), taken.getLocalPort());

            assertThatThrownBy(() -> MetricsEndpoint.bind(address, metrics))
                    .isInstanceOf(MetricsEndpointException.class)
                    .hasMessageStartingWith("cannot serve /metrics on port " + taken.getLocalPort() + ": ")
                    .satisfies(e -> assertThat(e.getMessage())
                            .containsIgnoringCase("in use")
                            .doesNotContain("\n"));
        }
    }

    @Test
    void portZeroTurnsTheEndpointOffAndAnImpossiblePortIsRefused() {
        assertThat(MetricsEndpoint.serve(MetricsEndpoint.OFF, metrics)).isEmpty();
        assertThatThrownBy(() -> MetricsEndpoint.serve(65_536, metrics))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("metrics port 65536 is not between 1 and 65535 (0 turns /metrics off)");
        assertThatThrownBy(() -> MetricsEndpoint.serve(-1, metrics)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void closeFreesThePort() throws Exception {
        int port;
        try (MetricsEndpoint endpoint = Scrapes.start(metrics)) {
            port = endpoint.port();
        }
        try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            assertThat(again.getLocalPort()).isEqualTo(port);
        }
    }
}
