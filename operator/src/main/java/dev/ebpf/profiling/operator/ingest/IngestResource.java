package dev.ebpf.profiling.operator.ingest;

import dev.ebpf.profiling.api.ingest.IngestContract;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;

/**
 * The agents' ingest endpoint: POST {@link IngestContract#SLICES_PATH} and
 * {@link IngestContract#TRIGGER_STATES_PATH}, JSON bodies of at most
 * {@link IngestContract#MAX_REPORT_BYTES}. Answers 202 with one line, or the refusal's status with
 * {@code reason: message}. Served on the HTTPS port (8443) only, unless plain HTTP is allowed (tests).
 * Methods take a stream and return a Response, so Quarkus REST runs them on worker threads, where
 * the blocking client calls belong.
 */
@Path("/")
public class IngestResource {

    private final IngestService service;

    public IngestResource(IngestService service) {
        this.service = service;
    }

    @POST
    @Path(IngestContract.SLICES_PATH)
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.TEXT_PLAIN)
    public Response slices(
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @Context HttpServerRequest request,
            InputStream body)
            throws IOException {
        return answer(service.slice(authorization, request.isSSL(), capped(body)));
    }

    @POST
    @Path(IngestContract.TRIGGER_STATES_PATH)
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.TEXT_PLAIN)
    public Response triggerStates(
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @Context HttpServerRequest request,
            InputStream body)
            throws IOException {
        return answer(service.triggerState(authorization, request.isSSL(), capped(body)));
    }

    @POST
    @Path(IngestContract.UPLOADS_PATH)
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.TEXT_PLAIN)
    public Response uploads(
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @Context HttpServerRequest request,
            InputStream body)
            throws IOException {
        return answer(service.upload(authorization, request.isSSL(), capped(body)));
    }

    /** The body, or null when it is larger than allowed. */
    private static byte[] capped(InputStream body) throws IOException {
        byte[] bytes = body.readNBytes(IngestContract.MAX_REPORT_BYTES + 1);
        return bytes.length > IngestContract.MAX_REPORT_BYTES ? null : bytes;
    }

    private static Response answer(IngestService.Outcome outcome) {
        return Response.status(outcome.status())
                .entity(outcome.message() + "\n")
                .type(MediaType.TEXT_PLAIN)
                .build();
    }
}
