package dev.ebpf.profiling.agent.metrics;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Scrapes a test endpoint the way Prometheus does: a plain GET of /metrics over loopback. */
final class Scrapes {

    static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final HttpClient CLIENT =
            HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    private Scrapes() {}

    /** An endpoint on a free loopback port. */
    static MetricsEndpoint start(AgentMetrics metrics) {
        return MetricsEndpoint.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), metrics);
    }

    static HttpResponse<String> request(MetricsEndpoint endpoint, String method, String path)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri(endpoint, path))
                .timeout(TIMEOUT)
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build();
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** GET /metrics, which must answer 200, parsed. */
    static PrometheusText scrape(MetricsEndpoint endpoint) throws IOException, InterruptedException {
        HttpResponse<String> response = request(endpoint, "GET", MetricsEndpoint.PATH);
        if (response.statusCode() != 200) {
            throw new AssertionError("scrape answered " + response.statusCode() + ": " + response.body());
        }
        return PrometheusText.parse(response.body());
    }

    static URI uri(MetricsEndpoint endpoint, String path) {
        return URI.create("http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + endpoint.port() + path);
    }
}
