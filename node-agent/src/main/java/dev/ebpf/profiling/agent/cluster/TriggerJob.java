package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.agent.metrics.AgentMetrics;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/** One trigger-mode job's {@link TriggerRun} on a thread of its own, stopped by an interrupt. */
final class TriggerJob implements AutoCloseable {

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final AgentJob job;
    private final Thread thread;

    private TriggerJob(AgentJob job, Thread thread) {
        this.job = job;
        this.thread = thread;
    }

    static TriggerJob start(
            String node,
            AgentJob job,
            int frequencyHz,
            Supplier<Set<String>> podUids,
            Supplier<Map<String, Pod>> visiblePods,
            PodCgroupIndex podCgroups,
            SliceAnalysis analysis,
            JobSliceSink sink,
            TriggerStateSink states,
            AgentMetrics metrics,
            PrintStream log) {
        TriggerRun run = new TriggerRun(
                node, job, frequencyHz, podUids, visiblePods, podCgroups, analysis, sink, states, log, metrics);
        Thread thread = Thread.ofPlatform()
                .name("trigger-" + job.key().namespace() + "-" + job.key().name())
                .daemon(true)
                .start(() -> {
                    try {
                        run.run();
                    } catch (RuntimeException e) {
                        log.println("trigger of " + job.displayName() + " stopped: " + e);
                    }
                });
        return new TriggerJob(job, thread);
    }

    AgentJob job() {
        return job;
    }

    /** Whether the run ended by itself (its runs are done, or it failed). */
    boolean done() {
        return !thread.isAlive();
    }

    @Override
    public void close() {
        thread.interrupt();
        try {
            thread.join(STOP_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
