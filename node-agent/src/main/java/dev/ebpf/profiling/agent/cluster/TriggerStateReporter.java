package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.agent.trigger.Firing;
import dev.ebpf.profiling.agent.trigger.TriggerPhase;
import dev.ebpf.profiling.agent.trigger.TriggerStatus;
import dev.ebpf.profiling.api.ingest.JobKey;
import dev.ebpf.profiling.api.ingest.NodeTriggerReport;
import dev.ebpf.profiling.api.job.NodeTriggerState;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Keeps this node's trigger state ({@link NodeTriggerState}) of one job current for the operator,
 * through a {@link TriggerStateSink}:
 * written at once on a firing and whenever the phase changes, and otherwise only when the last
 * write is {@link NodeTriggerState#REFRESH_SECONDS} old, so an armed trigger shows its metric's
 * current value without writing to the API server every second.
 */
final class TriggerStateReporter {

    private static final Duration REFRESH = Duration.ofSeconds(NodeTriggerState.REFRESH_SECONDS);

    private final TriggerStateSink sink;
    private final JobKey job;
    private final String node;
    private final InstantSource clock;
    private final PrintStream log;
    private final Deque<NodeTriggerState.TriggerFiring> recent = new ArrayDeque<>();
    private Instant lastWrite;
    private TriggerPhase lastPhase;

    TriggerStateReporter(TriggerStateSink sink, JobKey job, String node, InstantSource clock, PrintStream log) {
        this.sink = sink;
        this.job = job;
        this.log = log;
        this.node = node;
        this.clock = clock;
    }

    /**
     * Records a firing, whose window will be published as {@code result}, and writes the state now.
     *
     * @return the firing as reported, with its Event message
     */
    NodeTriggerState.TriggerFiring fired(TriggerStatus status, Firing firing, String result) {
        NodeTriggerState.TriggerFiring reported = new NodeTriggerState.TriggerFiring(
                firing.at(),
                firing.value(),
                firing.aboveSince(),
                firing.profilingEnds(),
                result,
                firing.eventMessage(node, status.metric(), status.threshold()));
        recent.addLast(reported);
        while (recent.size() > NodeTriggerState.RECENT_FIRINGS) {
            recent.removeFirst();
        }
        write(status);
        return reported;
    }

    /** Writes the state if the phase changed or the last write is old enough. */
    void maybeReport(TriggerStatus status) {
        boolean due = lastWrite == null
                || status.phase() != lastPhase
                || !clock.instant().isBefore(lastWrite.plus(REFRESH));
        if (due && status.readAt() != null) {
            write(status);
        }
    }

    /**
     * Writes the state now. A failed report is logged in one line and not thrown: the trigger and
     * its windows matter more than the report, and the next {@link #maybeReport} tries again.
     */
    void write(TriggerStatus status) {
        String error = !status.readError().isEmpty()
                ? status.readError()
                : status.listenerError().isEmpty() ? null : status.listenerError();
        NodeTriggerState state = new NodeTriggerState(
                node,
                status.metric(),
                status.threshold(),
                status.phase().label(),
                status.value().isPresent() ? status.value().getAsDouble() : null,
                status.readAt(),
                error,
                status.firings(),
                List.copyOf(recent));
        try {
            sink.publish(new NodeTriggerReport(NodeTriggerReport.SCHEMA_VERSION, job, node, state));
        } catch (RuntimeException e) {
            log.println("cannot report the trigger state of " + job.namespace() + "/" + job.name() + " (retried): "
                    + e.getMessage());
            return;
        }
        lastWrite = clock.instant();
        lastPhase = status.phase();
    }
}
