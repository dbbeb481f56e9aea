package dev.ebpf.profiling.operator.web;

import dev.ebpf.profiling.api.flamegraph.FlameGraphKind;
import dev.ebpf.profiling.api.flamegraph.FlameGraphOptions;
import dev.ebpf.profiling.api.flamegraph.FoldedStacks;
import dev.ebpf.profiling.api.flamegraph.HtmlFlameGraph;
import dev.ebpf.profiling.api.job.ProfilingJob;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The operator's web view (issue 5): the job list, a job's CPU% over its slices, and each node's
 * flame graphs per slice. Every request reads the API server (see {@link JobHistory}). Methods return
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

    public WebResource(KubernetesClient client) {
        this.history = new JobHistory(client);
    }

    @GET
    public Response jobs() {
        return page(Response.Status.OK.getStatusCode(), JobListPage.render(history.jobs()));
    }

    @GET
    @Path(Links.JOB)
    public Response job(@PathParam("namespace") String namespace, @PathParam("name") String name) {
        ProfilingJob job = history.job(namespace, name);
        return page(Response.Status.OK.getStatusCode(), JobPage.render(job, history.results(job)));
    }

    @GET
    @Path(Links.FLAME_GRAPH)
    public Response flameGraph(
            @PathParam("namespace") String namespace,
            @PathParam("name") String name,
            @PathParam("slice") String slice,
            @PathParam("node") String node,
            @PathParam("kind") String kindId) {
        StackSet stacks = StackSet.byId(kindId)
                .orElseThrow(() -> new PageError(
                        PageError.NOT_FOUND,
                        "There is no flame graph '" + kindId + "': the kinds are " + StackSet.ids() + "."));
        ProfilingJob job = history.job(namespace, name);
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

    /** A missing job, slice, node or stack kind is a page that says which, with its status code. */
    @ServerExceptionMapper
    public Response explain(PageError error) {
        return page(
                error.status(),
                Html.page(
                        "Not available",
                        "<nav><a href=\"" + Html.text(Links.jobList())
                                + "\">All jobs</a></nav>\n<h1>Not available</h1>\n<p id=\"error\">"
                                + Html.text(error.getMessage())
                                + "</p>\n"));
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
