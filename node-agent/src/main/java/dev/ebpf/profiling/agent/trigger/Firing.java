package dev.ebpf.profiling.agent.trigger;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * One time the trigger fired, for the Event ({@code Triggered: node-3 node-sys 87 > 80 for 5s}) and
 * {@code status.triggers}.
 *
 * @param at            when it fired: the profile window starts here
 * @param value         the metric's value that made it fire
 * @param aboveSince    when the metric first went above the threshold
 * @param profilingEnds when the profile window ends
 * @param cooldownEnds  when the trigger is armed again
 */
public record Firing(Instant at, double value, Instant aboveSince, Instant profilingEnds, Instant cooldownEnds) {

    /**
     * The Event message, e.g. {@code Triggered: node-3 node-sys 87% > 80% for 5s}: the value that
     * fired, the threshold, and how long the metric had been above it.
     */
    public String eventMessage(String node, String metric, double threshold) {
        long seconds = Duration.between(aboveSince, at).toSeconds();
        return String.format(
                Locale.ROOT, "Triggered: %s %s %.0f%% > %.0f%% for %ds", node, metric, value, threshold, seconds);
    }
}
