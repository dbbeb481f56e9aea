package dev.ebpf.profiling.agent.trigger;

import java.time.Instant;

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
}
