package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.agent.profile.SliceResult;
import dev.ebpf.profiling.api.ingest.AgentLimitation;
import dev.ebpf.profiling.api.ingest.JobKey;
import dev.ebpf.profiling.api.ingest.NodeSliceReport;
import dev.ebpf.profiling.api.ingest.NodeTriggerReport;
import java.io.PrintStream;
import java.util.List;

/**
 * The sinks until the ingest client is plugged in: each slice is built into the
 * {@link NodeSliceReport} the operator would receive, and summed up in one log line; each trigger
 * state in one line too.
 */
public final class LoggingSliceSink implements JobSliceSink, TriggerStateSink {

    private final String node;
    private final PrintStream log;

    public LoggingSliceSink(String node, PrintStream log) {
        this.node = node;
        this.log = log;
    }

    @Override
    public void publish(
            JobKey job,
            SliceWindow window,
            SliceResult result,
            List<SliceResult> history,
            List<AgentLimitation> limitations) {
        NodeSliceReport report = SliceReports.of(job, node, window, result, history, limitations);
        log.println(
                SliceReports.summary(report) + (history.isEmpty() ? "" : ", " + history.size() + " history slices"));
    }

    @Override
    public void publish(NodeTriggerReport report) {
        log.printf(
                "trigger %s/%s on %s: %s %s=%s, %d firings%n",
                report.job().namespace(),
                report.job().name(),
                report.node(),
                report.state().phase(),
                report.state().metric(),
                report.state().value(),
                report.state().firings());
    }
}
