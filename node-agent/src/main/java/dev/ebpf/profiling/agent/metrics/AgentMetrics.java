package dev.ebpf.profiling.agent.metrics;

import dev.ebpf.profiling.api.profile.LostSamples;
import dev.ebpf.profiling.api.profile.NodeProfile;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;

/**
 * The node agent's Prometheus metrics: what the slice loop, the trigger and the object-store sink
 * report, kept in a registry of its own (not the client's global default) so two agents in one
 * JVM, as in tests, never share counts.
 *
 * <p>Every series carries the {@code node} label, so one PromQL query covers all agents. The
 * per-application CPU% gauges hold only the newest slice's top list: an application that left it
 * loses its series, so their number stays at most {@code top} per node.
 */
public final class AgentMetrics {

    /** Every metric name starts with this, so the dashboard and alerts can find the agent's. */
    public static final String PREFIX = "ebpf_profiler_";

    static final String NODE = "node";
    static final String EVENT = "event";
    static final String CAUSE = "cause";
    static final String METRIC = "metric";
    static final String KIND = "kind";
    static final String REASON = "reason";

    /** Bounds in seconds: draining takes milliseconds, the first symbolization of a big node tens of seconds. */
    private static final double[] SECONDS_BUCKETS = {
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60
    };

    private final String node;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter textWriter = PrometheusTextFormatWriter.create();
    private final Counter samples;
    private final Counter lostSamples;
    private final Histogram drainSeconds;
    private final Histogram symbolizeSeconds;
    private final Counter triggersFired;
    private final Gauge uploadsPending;
    private final Counter uploadsDropped;
    private final Counter uploads;
    private final ApplicationCpu applicationCpu;
    private final Gauge limitations;
    private final Counter ingestSent;
    private final Counter ingestFailed;
    private final Gauge ingestBacklog;
    private final Counter ingestDropped;

    /** @param node this agent's node, the {@code node} label of what is not read from a slice */
    public AgentMetrics(String node) {
        this.node = node;
        samples = Counter.builder()
                .name(PREFIX + "samples")
                .help("On-CPU samples counted in the kernel (idle excluded)")
                .labelNames(NODE, EVENT)
                .withoutExemplars()
                .register(registry);
        lostSamples = Counter.builder()
                .name(PREFIX + "lost_samples")
                .help("Samples the kernel could not record in full, by cause (count_map_full: gone;"
                        + " *_stack_failed: counted without that stack)")
                .labelNames(NODE, EVENT, CAUSE)
                .withoutExemplars()
                .register(registry);
        drainSeconds = secondsHistogram(
                PREFIX + "slice_drain_seconds",
                "Time to cut a slice and read its counts and stacks out of the kernel maps");
        symbolizeSeconds =
                secondsHistogram(PREFIX + "symbolize_seconds", "Time to attribute, symbolize and analyse one slice");
        triggersFired = Counter.builder()
                .name(PREFIX + "triggers_fired")
                .help("Times the trigger fired, by watched metric (node-cpu, node-sys, cpuN or the pods' metric)")
                .labelNames(NODE, METRIC)
                .withoutExemplars()
                .register(registry);
        uploadsPending = Gauge.builder()
                .name(PREFIX + "uploads_pending")
                .help("Object-store uploads waiting for their random delay after the slice's end, or running")
                .labelNames(NODE)
                .register(registry);
        uploadsDropped = Counter.builder()
                .name(PREFIX + "uploads_dropped")
                .help("Object-store uploads dropped because too many were waiting")
                .labelNames(NODE)
                .withoutExemplars()
                .register(registry);
        uploads = Counter.builder()
                .name(PREFIX + "uploads")
                .help("Object-store uploads of a job's slice, by result (Uploaded, or the failure's reason)")
                .labelNames(NODE, REASON)
                .withoutExemplars()
                .register(registry);
        ingestSent = Counter.builder()
                .name(PREFIX + "ingest_reports_sent")
                .help("Reports the operator's ingest endpoint took, by kind (slice, trigger-state)")
                .labelNames(NODE, KIND)
                .withoutExemplars()
                .register(registry);
        ingestFailed = Counter.builder()
                .name(PREFIX + "ingest_reports_failed")
                .help("Report deliveries that failed, by kind and reason (unreachable, http_5xx, or the"
                        + " operator's 4xx reason such as jobNotAccepted)")
                .labelNames(NODE, KIND, REASON)
                .withoutExemplars()
                .register(registry);
        ingestBacklog = Gauge.builder()
                .name(PREFIX + "ingest_backlog_reports")
                .help("Reports waiting to be sent to the operator again, over all jobs")
                .labelNames(NODE)
                .register(registry);
        ingestDropped = Counter.builder()
                .name(PREFIX + "ingest_reports_dropped")
                .help("Reports given up: pushed out of a full backlog, or refused by the operator for good")
                .labelNames(NODE)
                .withoutExemplars()
                .register(registry);
        applicationCpu = new ApplicationCpu(Gauge.builder()
                .name(PREFIX + "application_cpu_percent")
                .help("CPU% of each top application in the newest slice:"
                        + " samples / (frequency x seconds x selected CPUs) x 100")
                .labelNames(ApplicationCpu.LABELS.toArray(String[]::new))
                .register(registry));
        limitations = Gauge.builder()
                .name(PREFIX + "agent_limitation")
                .help("1 while the agent runs without something optional, by reason (e.g. KernelSymbolsHidden:"
                        + " kernel frames named by region only); the log and the job's status say why")
                .labelNames(NODE, REASON)
                .register(registry);
    }

    /** The agent runs without something optional from now on; {@code reason} is an AgentLimitation reason. */
    public void limitation(String reason) {
        limitations.labelValues(node, reason).set(1);
    }

    /**
     * One slice is done.
     *
     * @param profile   the slice's result document (its {@code node} labels the series)
     * @param drain     how long cutting the slice and reading the kernel maps took
     * @param symbolize how long attribution, symbolization and analysis took
     */
    public void sliceCollected(NodeProfile profile, Duration drain, Duration symbolize) {
        String sliceNode = profile.node();
        samples.labelValues(sliceNode, profile.event()).inc(profile.totalSamples());
        LostSamples lost = profile.lost();
        if (lost == null) {
            // A document without the breakdown still has its total: count it under a cause that says so.
            addLost(sliceNode, profile.event(), "unknown", profile.lostSamples());
        } else {
            addLost(sliceNode, profile.event(), "count_map_full", lost.countMapFull());
            addLost(sliceNode, profile.event(), "kernel_stack_failed", lost.kernelStackFailed());
            addLost(sliceNode, profile.event(), "user_stack_failed", lost.userStackFailed());
        }
        drainSeconds.labelValues(sliceNode).observe(seconds(drain));
        symbolizeSeconds.labelValues(sliceNode).observe(seconds(symbolize));
        applicationCpu.show(sliceNode, profile.topApplications());
    }

    /** The trigger fired on this node; {@code metric} is the watched metric's name, e.g. {@code node-sys}. */
    public void triggerFired(String metric) {
        triggersFired.labelValues(node, metric).inc();
    }

    /** Object-store uploads waiting or running, after each change. */
    public void uploadsPending(int slices) {
        uploadsPending.labelValues(node).set(slices);
    }

    /** One upload ended: {@code Uploaded} or the failure's reason. */
    public void uploaded(String result) {
        uploads.labelValues(node, result).inc();
    }

    /** Too many uploads were waiting: this many more dropped. */
    public void uploadsDropped(long slices) {
        uploadsDropped.labelValues(node).inc(slices);
    }

    /** The operator took a report of this kind ({@code slice} or {@code trigger-state}). */
    public void ingestSent(String kind) {
        ingestSent.labelValues(node, kind).inc();
    }

    /** A delivery failed: {@code unreachable}, {@code http_5xx} or the operator's refusal reason. */
    public void ingestFailed(String kind, String reason) {
        ingestFailed.labelValues(node, kind, reason).inc();
    }

    /** Reports waiting for the operator, over all jobs, after each change. */
    public void ingestBacklog(int reports) {
        ingestBacklog.labelValues(node).set(reports);
    }

    /** Reports given up for good. */
    public void ingestDropped(long reports) {
        ingestDropped.labelValues(node).inc(reports);
    }

    /** Writes every metric in the Prometheus text format (version 0.0.4). */
    public void writeText(OutputStream out) throws IOException {
        textWriter.write(out, registry.scrape());
    }

    /** The {@code Content-Type} of {@link #writeText}. */
    public String textContentType() {
        return textWriter.getContentType();
    }

    private void addLost(String sliceNode, String event, String cause, long count) {
        // Touch the series even at zero so a dashboard shows 0, not "no data", on a healthy node;
        // a negative count (a broken document) would make the counter throw in the slice loop.
        lostSamples.labelValues(sliceNode, event, cause).inc(Math.max(0, count));
    }

    private Histogram secondsHistogram(String name, String help) {
        return Histogram.builder()
                .name(name)
                .help(help)
                .unit(Unit.SECONDS)
                .labelNames(NODE)
                .classicOnly()
                .classicUpperBounds(SECONDS_BUCKETS)
                .withoutExemplars()
                .register(registry);
    }

    private static double seconds(Duration duration) {
        return Unit.nanosToSeconds(duration.toNanos());
    }
}
