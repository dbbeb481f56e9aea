package dev.ebpf.profiling.agent.ingest;

import dev.ebpf.profiling.agent.cluster.AgentJob;
import dev.ebpf.profiling.agent.cluster.JobSliceSink;
import dev.ebpf.profiling.agent.cluster.SliceReports;
import dev.ebpf.profiling.agent.cluster.SliceWindow;
import dev.ebpf.profiling.agent.cluster.TriggerStateSink;
import dev.ebpf.profiling.agent.profile.SliceResult;
import dev.ebpf.profiling.api.ingest.AgentLimitation;
import dev.ebpf.profiling.api.ingest.NodeSliceReport;
import dev.ebpf.profiling.api.ingest.NodeTriggerReport;
import java.io.PrintStream;
import java.util.List;

/**
 * Where {@code node-agent run} hands each job's slice and trigger state: built into the report
 * the operator takes, logged in one line, and queued on the {@link IngestClient}, which delivers
 * it on its own thread (so the slice loop never waits for the operator).
 */
public final class IngestSink implements JobSliceSink, TriggerStateSink {

    private final String node;
    private final IngestClient client;
    private final PrintStream log;

    public IngestSink(String node, IngestClient client, PrintStream log) {
        this.node = node;
        this.client = client;
        this.log = log;
    }

    @Override
    public void publish(
            AgentJob job,
            SliceWindow window,
            SliceResult result,
            List<SliceResult> history,
            List<AgentLimitation> limitations) {
        NodeSliceReport report = SliceReports.of(job.key(), node, window, result, history, limitations);
        log.println(
                SliceReports.summary(report) + (history.isEmpty() ? "" : ", " + history.size() + " history slices"));
        client.send(report);
    }

    @Override
    public void publish(NodeTriggerReport report) {
        client.send(report);
    }
}
