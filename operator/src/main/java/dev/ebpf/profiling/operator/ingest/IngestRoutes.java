package dev.ebpf.profiling.operator.ingest;

import dev.ebpf.profiling.api.ingest.IngestContract;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/**
 * The agents' ingest endpoint: POST {@link IngestContract#SLICES_PATH},
 * {@link IngestContract#TRIGGER_STATES_PATH} and {@link IngestContract#UPLOADS_PATH}, JSON bodies of
 * at most {@link IngestContract#MAX_REPORT_BYTES}. Answers 202 with one line, or the refusal's
 * status with {@code reason: message}; a larger body is refused (413 {@code tooLarge}) as soon as
 * its Content-Length or its bytes say so, without reading the rest. Served on the HTTPS port (8443)
 * only, unless plain HTTP is allowed (tests).
 *
 * <p>Vert.x routes, not JAX-RS: the body is gathered on the event loop as it arrives (Vert.x Web's
 * {@link BodyHandler}, capped at the limit) and the report is then taken on a worker thread, where
 * the token review and the job reads may block. A blocking Quarkus REST method instead reads its
 * body from a stream that hands every chunk from the event loop to the worker thread: a quarter of
 * the ingest endpoint's CPU at 5,000 nodes x 3 jobs (profiled in the cluster simulator,
 * docs/benchmarks.md).
 */
@Singleton
public class IngestRoutes {

    /** The one signature of {@link IngestService}'s report methods. */
    private interface Taker {
        IngestService.Outcome take(String authorization, boolean https, byte[] body);
    }

    void register(@Observes Router router, IngestService service, Vertx vertx) {
        route(router, vertx, service, IngestContract.SLICES_PATH, IngestService.KIND_SLICE, service::slice);
        route(
                router,
                vertx,
                service,
                IngestContract.TRIGGER_STATES_PATH,
                IngestService.KIND_TRIGGER,
                service::triggerState);
        route(router, vertx, service, IngestContract.UPLOADS_PATH, IngestService.KIND_UPLOAD, service::upload);
    }

    private static void route(
            Router router, Vertx vertx, IngestService service, String path, String kind, Taker taker) {
        router.post(path)
                // Before Quarkus' own body limit (10 MiB announced): its 413 has no line, and over
                // HTTP/2 a Connection header that clients refuse as a malformed response.
                .order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 1)
                .handler(BodyHandler.create(false).setBodyLimit(IngestContract.MAX_REPORT_BYTES))
                .handler(ctx -> {
                    HttpServerRequest request = ctx.request();
                    String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
                    boolean https = request.isSSL();
                    byte[] body = ctx.body().buffer() == null
                            ? new byte[0]
                            : ctx.body().buffer().getBytes();
                    vertx.executeBlocking(() -> taker.take(authorization, https, body), false)
                            .onComplete(
                                    taken -> answer(ctx, taken.succeeded() ? taken.result() : failed(taken.cause())));
                })
                .failureHandler(
                        ctx -> answer(ctx, ctx.statusCode() == 413 ? service.tooLarge(kind) : failed(ctx.failure())));
    }

    private static IngestService.Outcome failed(Throwable cause) {
        return new IngestService.Outcome(
                500,
                "internal: "
                        + (cause == null
                                ? "the request failed"
                                : cause.getClass().getSimpleName()));
    }

    private static void answer(RoutingContext ctx, IngestService.Outcome outcome) {
        if (ctx.response().ended()) {
            return; // the client went away
        }
        ctx.response()
                .setStatusCode(outcome.status())
                .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain;charset=UTF-8")
                .end(outcome.message() + "\n");
    }
}
