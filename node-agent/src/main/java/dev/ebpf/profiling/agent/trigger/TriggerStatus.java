package dev.ebpf.profiling.agent.trigger;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * A trigger as the status shows it, so one that never fires is visible: armed, and its metric's
 * current value.
 *
 * @param metric     the metric's name, e.g. {@code node-cpu}
 * @param threshold  the threshold in percent
 * @param phase      armed, above, profiling or cooling down
 * @param value      the latest reading; empty before the second poll or if the read failed
 * @param readAt     when the latest poll ran; null before the first
 * @param readError  one line on why the latest read failed; empty if it worked
 * @param listenerError one line on why acting on a firing or a window's end failed; kept until a
 *                   later firing is handled, since the failed firing's result is lost
 * @param firings    how often the trigger fired since it was armed first
 * @param lastFiring the latest firing
 */
public record TriggerStatus(
        String metric,
        double threshold,
        TriggerPhase phase,
        OptionalDouble value,
        Instant readAt,
        String readError,
        String listenerError,
        long firings,
        Optional<Firing> lastFiring) {}
