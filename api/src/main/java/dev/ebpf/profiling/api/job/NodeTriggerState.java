package dev.ebpf.profiling.api.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.List;

/**
 * A trigger-mode agent's report on its node, pushed to the operator inside a
 * {@code NodeTriggerReport}: sent when the agent arms, on every
 * firing and end of a window, and otherwise at most every {@link #REFRESH_SECONDS}, so a trigger
 * that never fires still shows its metric's current value.
 *
 * @param node      the agent's node
 * @param metric    the watched metric's name: {@code node-cpu}, {@code node-sys}, {@code cpuN} or {@code pod-cpu}
 * @param threshold percent
 * @param phase     {@code Armed}, {@code AboveThreshold}, {@code Profiling} or {@code Cooldown}
 * @param value     the latest reading in percent; null before the second read or when the read failed
 * @param readAt    when the latest reading was taken
 * @param error     one line on why the latest read (or acting on a firing) failed; null when all worked
 * @param firings   how often the trigger fired since the agent started
 * @param recent    the latest firings, oldest first, at most {@link #RECENT_FIRINGS}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"node", "metric", "threshold", "phase", "value", "readAt", "error", "firings", "recent"})
public record NodeTriggerState(
        String node,
        String metric,
        double threshold,
        String phase,
        Double value,
        Instant readAt,
        String error,
        long firings,
        List<TriggerFiring> recent) {

    /** The agent rewrites an unchanged state no more often than this. */
    public static final int REFRESH_SECONDS = 30;
    /** Firings kept in {@link #recent}. */
    public static final int RECENT_FIRINGS = 10;

    /**
     * One firing.
     *
     * @param at         when it fired: the profile window starts here (the result's slice start)
     * @param value      the metric's value that made it fire, in percent
     * @param aboveSince when the metric went above the threshold
     * @param windowEnds when the profile window ends
     * @param result     the job's result ConfigMap the window is merged into ({@link AgentContract#jobResultName})
     * @param message    the Event text, such as {@code Triggered: node-3 node-sys 87% > 80% for 5s}
     */
    @JsonPropertyOrder({"at", "value", "aboveSince", "windowEnds", "result", "message"})
    public record TriggerFiring(
            Instant at, double value, Instant aboveSince, Instant windowEnds, String result, String message) {}
}
