package dev.ebpf.profiling.agent.trigger;

import java.time.Duration;
import java.util.Objects;

/**
 * When a trigger fires and for how long it then profiles and rests.
 *
 * @param threshold   percent; the metric must be strictly above it
 * @param forDuration how long the metric must stay above before the trigger fires (zero: at once)
 * @param duration    how long to profile once fired
 * @param cooldown    how long to wait after profiling before arming again
 */
public record TriggerSettings(double threshold, Duration forDuration, Duration duration, Duration cooldown) {

    public TriggerSettings {
        if (!(threshold >= 0 && threshold <= 100)) {
            throw new IllegalArgumentException("trigger threshold must be within 0..100 %, got " + threshold);
        }
        requireNotNegative("for", forDuration);
        requireNotNegative("duration", duration);
        requireNotNegative("cooldown", cooldown);
        if (duration.isZero()) {
            throw new IllegalArgumentException("trigger duration must be positive");
        }
    }

    private static void requireNotNegative(String what, Duration value) {
        Objects.requireNonNull(value, "trigger " + what + " is missing");
        if (value.isNegative()) {
            throw new IllegalArgumentException("trigger " + what + " must not be negative, got " + value);
        }
    }
}
