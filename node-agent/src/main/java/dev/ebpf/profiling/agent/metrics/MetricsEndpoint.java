package dev.ebpf.profiling.agent.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves {@code GET /metrics} in the Prometheus text format on the JDK's own HTTP server (no
 * framework in a privileged node agent). Scrapes are answered on one daemon thread: Prometheus
 * scrapes every few seconds, and a daemon thread never keeps the agent alive after its run ends.
 */
public final class MetricsEndpoint implements AutoCloseable {

    /** The path Prometheus scrapes by default. */
    public static final String PATH = "/metrics";

    /** The port value that turns the endpoint off. */
    public static final int OFF = 0;

    private static final int MAX_PORT = 65_535;
    /** Connections waiting to be accepted: one scraper, plus a human with curl. */
    private static final int BACKLOG = 8;
    /** Seconds close() lets a scrape in flight finish. */
    private static final int STOP_DELAY_SECONDS = 1;

    private final HttpServer server;
    private final ExecutorService executor;

    private MetricsEndpoint(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Serves the agent's metrics on every interface at {@code port}, as set by the user.
     *
     * @return empty when {@code port} is {@link #OFF}
     * @throws IllegalArgumentException when {@code port} is not 0 to 65535
     * @throws MetricsEndpointException when the port cannot be bound (in use, or privileged)
     */
    public static Optional<MetricsEndpoint> serve(int port, AgentMetrics metrics) {
        if (port < OFF || port > MAX_PORT) {
            throw new IllegalArgumentException(
                    "metrics port " + port + " is not between 1 and " + MAX_PORT + " (0 turns /metrics off)");
        }
        if (port == OFF) {
            return Optional.empty();
        }
        return Optional.of(bind(new InetSocketAddress(port), metrics));
    }

    /** Serves the agent's metrics at {@code address}; port 0 there picks a free port (see {@link #port()}). */
    public static MetricsEndpoint bind(InetSocketAddress address, AgentMetrics metrics) {
        HttpServer server;
        try {
            server = HttpServer.create(address, BACKLOG);
        } catch (BindException e) {
            throw new MetricsEndpointException(
                    "cannot serve " + PATH + " on port " + address.getPort() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new MetricsEndpointException("cannot serve " + PATH + " on " + address + ": " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().daemon().name("metrics-endpoint").factory());
        server.setExecutor(executor);
        server.createContext(PATH, exchange -> answer(exchange, metrics));
        server.start();
        return new MetricsEndpoint(server, executor);
    }

    /** The port actually bound, useful when it was picked by the system. */
    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(STOP_DELAY_SECONDS);
        executor.shutdownNow();
    }

    private static void answer(HttpExchange exchange, AgentMetrics metrics) throws IOException {
        try (exchange) {
            // The context matches every path below /metrics too; only the exact path is ours.
            if (!exchange.getRequestURI().getPath().equals(PATH)) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            // Rendered first so the length is known and a failure mid-way still gets a clean 500.
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            try {
                metrics.writeText(body);
            } catch (RuntimeException e) {
                exchange.sendResponseHeaders(500, -1);
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", metrics.textContentType());
            if (method.equals("HEAD")) {
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            exchange.sendResponseHeaders(200, body.size());
            try (OutputStream out = exchange.getResponseBody()) {
                body.writeTo(out);
            }
        }
    }
}
