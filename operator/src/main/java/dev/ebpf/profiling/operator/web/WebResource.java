package dev.ebpf.profiling.operator.web;

import dev.ebpf.profiling.api.flamegraph.FlameGraphKind;
import dev.ebpf.profiling.api.flamegraph.FlameGraphOptions;
import dev.ebpf.profiling.api.flamegraph.FoldedStacks;
import dev.ebpf.profiling.api.flamegraph.HtmlFlameGraph;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.operator.ingest.TokenReviewer;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.util.List;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The operator's web view (issue 5): the job list, a job's CPU% over its slices, and each node's
 * flame graphs per slice. Every request carries a Kubernetes bearer token and sees only the jobs its
 * user may {@code get} ({@link WebAccess}). Every request reads the API server (see {@link JobHistory}). Methods return
 * plain values, so Quarkus REST runs them on worker threads, where the blocking client calls belong.
 */
@Path(Links.ROOT)
public class WebResource {

    /**
     * The pages carry their own script and style and need nothing else: the browser is told to
     * refuse any other load, so an escaping slip could not pull in a script either.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'unsafe-inline'; "
            + "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    static final String HTML = "text/html;charset=UTF-8";
    /** Off-CPU folded stacks count microseconds blocked, not samples. */
    static final String OFF_CPU_UNIT = "\u00b5s blocked";

    private final JobHistory history;
    private final WebAccess access;

    public WebResource(KubernetesClient client, TokenReviewer tokens, AccessReviewer access) {
        this.history = new JobHistory(client);
        this.access = new WebAccess(tokens, access, Clock.systemUTC());
    }

    /** The jobs the user may {@code get}; the others are left out, not named. */
    @GET
    public Response jobs(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        AccessReviewer.Viewer viewer = access.viewer(authorization);
        List<ProfilingJob> visible = history.jobs().stream()
                .filter(j -> access.mayGet(
                        viewer, j.getMetadata().getNamespace(), j.getMetadata().getName()))
                .toList();
        return page(Response.Status.OK.getStatusCode(), JobListPage.render(visible));
    }

    @GET
    @Path(Links.JOB)
    public Response job(
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @PathParam("namespace") String namespace,
            @PathParam("name") String name) {
        ProfilingJob job = visibleJob(authorization, namespace, name);
        return page(Response.Status.OK.getStatusCode(), JobPage.render(job, history.results(job)));
    }

    @GET
    @Path(Links.FLAME_GRAPH)
    public Response flameGraph(
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @PathParam("namespace") String namespace,
            @PathParam("name") String name,
            @PathParam("slice") String slice,
            @PathParam("node") String node,
            @PathParam("kind") String kindId) {
        StackSet stacks = StackSet.byId(kindId)
                .orElseThrow(() -> new PageError(
                        PageError.NOT_FOUND,
                        "There is no flame graph '" + kindId + "': the kinds are " + StackSet.ids() + "."));
        ProfilingJob job = visibleJob(authorization, namespace, name);
        String folded = history.foldedStacks(job, slice, node, stacks);
        FlameGraphKind kind = stacks.kind();
        FlameGraphOptions options = new FlameGraphOptions(
                kind,
                stacks.title() + ": ProfilingJob " + namespace + "/" + name,
                "node " + node + ", slice " + slice,
                kind == FlameGraphKind.OFF_CPU ? OFF_CPU_UNIT : null,
                FlameGraphOptions.DEFAULT_WIDTH);
        try {
            return page(Response.Status.OK.getStatusCode(), HtmlFlameGraph.render(FoldedStacks.parse(folded), options));
        } catch (IllegalArgumentException e) {
            throw new PageError(
                    PageError.UNREADABLE,
                    "The " + stacks.id() + " stacks of job " + namespace + "/" + name + ", slice " + slice + ", node "
                            + node + " are not folded stacks: " + e.getMessage());
        }
    }

    /**
     * The job, if the user may {@code get} it. A job they may not see answers exactly as a missing
     * one (404), so the web view does not tell which jobs exist in namespaces they cannot read.
     */
    private ProfilingJob visibleJob(String authorization, String namespace, String name) {
        AccessReviewer.Viewer viewer = access.viewer(authorization);
        if (!JobHistory.isName(namespace) || !JobHistory.isName(name) || !access.mayGet(viewer, namespace, name)) {
            throw new PageError(PageError.NOT_FOUND, "There is no ProfilingJob " + namespace + "/" + name + ".");
        }
        return history.job(namespace, name);
    }

    /** A missing job, slice, node or stack kind is a page that says which, with its status code. */
    @ServerExceptionMapper
    public Response explain(PageError error) {
        Response response = page(
                error.status(),
                Html.page(
                        "Not available",
                        "<nav><a href=\"" + Html.text(Links.jobList())
                                + "\">All jobs</a></nav>\n<h1>Not available</h1>\n<p id=\"error\">"
                                + Html.text(error.getMessage())
                                + "</p>\n"));
        if (error.status() == PageError.UNAUTHENTICATED) {
            response.getHeaders().add(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        return response;
    }

    private static Response page(int status, String html) {
        return Response.status(status)
                .type(HTML)
                .entity(html)
                .header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                .header("X-Content-Type-Options", "nosniff")
                .build();
    }
}
