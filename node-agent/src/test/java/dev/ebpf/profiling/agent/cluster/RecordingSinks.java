package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.agent.cgroup.CgroupMount;
import dev.ebpf.profiling.agent.metrics.AgentMetrics;
import dev.ebpf.profiling.agent.profile.SliceResult;
import dev.ebpf.profiling.api.ingest.AgentLimitation;
import dev.ebpf.profiling.api.ingest.JobKey;
import dev.ebpf.profiling.api.ingest.NodeSliceReport;
import dev.ebpf.profiling.api.ingest.NodeTriggerReport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Sinks that keep what the agent publishes, for tests; every slice is also built into its report. */
final class RecordingSinks implements JobSliceSink, TriggerStateSink {

    /** One published slice, with when it came. */
    record Published(
            JobKey job,
            SliceWindow window,
            SliceResult result,
            List<SliceResult> history,
            NodeSliceReport report,
            Instant at) {}

    private final String node;
    private final List<Published> slices = new ArrayList<>();
    private final List<NodeTriggerReport> triggerReports = new ArrayList<>();

    RecordingSinks(String node) {
        this.node = node;
    }

    /** An agent of this node that publishes here and writes its log into log. */
    ClusterRun agent(JobSource source, NodePolicy policy, ByteArrayOutputStream log) {
        return new ClusterRun(
                node,
                source,
                policy,
                CgroupMount.findUnified(),
                this,
                this,
                new AgentMetrics(node),
                new PrintStream(log, true, StandardCharsets.UTF_8));
    }

    @Override
    public synchronized void publish(
            AgentJob agentJob,
            SliceWindow window,
            SliceResult result,
            List<SliceResult> history,
            List<AgentLimitation> limitations) {
        JobKey job = agentJob.key();
        NodeSliceReport report = SliceReports.of(job, node, window, result, history, limitations);
        slices.add(new Published(job, window, result, List.copyOf(history), report, Instant.now()));
        notifyAll();
    }

    @Override
    public synchronized void publish(NodeTriggerReport report) {
        triggerReports.add(report);
        notifyAll();
    }

    synchronized List<Published> slicesOf(String jobName) {
        return slices.stream().filter(p -> p.job().name().equals(jobName)).toList();
    }

    synchronized List<Published> slices() {
        return List.copyOf(slices);
    }

    synchronized List<NodeTriggerReport> triggerReports() {
        return List.copyOf(triggerReports);
    }

    /** Waits until {@code done} holds for the recorded slices, or the timeout passes. */
    synchronized boolean await(Predicate<RecordingSinks> done, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (!done.test(this)) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }
}
