package dev.ebpf.profiling.agent.trigger;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The trigger's hysteresis: armed, then above the threshold for {@code for}, then fire, profile for
 * {@code duration}, cool down for {@code cooldown}, armed again. It is fed one metric value per poll
 * and reads the time from an injected clock, so tests drive it exactly.
 *
 * <p>The window and the cooldown are measured from the firing time, not from when a later poll
 * notices, so a slow poll does not stretch them. A missing value (the metric could not be read)
 * counts as "not above": the trigger must see the metric above the threshold without a gap.
 *
 * <p>Not thread-safe: one poller drives it.
 */
public final class TriggerStateMachine {

    private final TriggerSettings settings;
    private final InstantSource clock;
    private TriggerPhase phase = TriggerPhase.ARMED;
    private Instant aboveSince;
    private Firing lastFiring;

    public TriggerStateMachine(TriggerSettings settings, InstantSource clock) {
        this.settings = settings;
        this.clock = clock;
    }

    /** Feeds the metric's latest value (empty if it could not be read) and says what changed. */
    public TriggerStep observe(OptionalDouble value) {
        Instant now = clock.instant();
        boolean above = value.isPresent() && value.getAsDouble() > settings.threshold();
        return switch (phase) {
            case ARMED -> {
                if (!above) {
                    yield TriggerStep.NONE;
                }
                phase = TriggerPhase.ABOVE_THRESHOLD;
                aboveSince = now;
                yield fireIfLongEnough(now, value.getAsDouble());
            }
            case ABOVE_THRESHOLD -> {
                if (!above) {
                    phase = TriggerPhase.ARMED;
                    aboveSince = null;
                    yield TriggerStep.NONE;
                }
                yield fireIfLongEnough(now, value.getAsDouble());
            }
            case PROFILING -> {
                if (now.isBefore(lastFiring.profilingEnds())) {
                    yield TriggerStep.NONE;
                }
                phase = TriggerPhase.COOLDOWN;
                yield TriggerStep.PROFILING_ENDED;
            }
            case COOLDOWN -> {
                if (now.isBefore(lastFiring.cooldownEnds())) {
                    yield TriggerStep.NONE;
                }
                // This value already counts: if it is above, the 'for' timer starts now.
                phase = above ? TriggerPhase.ABOVE_THRESHOLD : TriggerPhase.ARMED;
                aboveSince = above ? now : null;
                yield TriggerStep.REARMED;
            }
        };
    }

    public TriggerPhase phase() {
        return phase;
    }

    /** When the metric went above the threshold, while {@link TriggerPhase#ABOVE_THRESHOLD}. */
    public Optional<Instant> aboveSince() {
        return Optional.ofNullable(aboveSince);
    }

    /** The latest firing, if the trigger ever fired. */
    public Optional<Firing> lastFiring() {
        return Optional.ofNullable(lastFiring);
    }

    public TriggerSettings settings() {
        return settings;
    }

    private TriggerStep fireIfLongEnough(Instant now, double value) {
        if (Duration.between(aboveSince, now).compareTo(settings.forDuration()) < 0) {
            return TriggerStep.NONE;
        }
        Instant profilingEnds = now.plus(settings.duration());
        lastFiring = new Firing(now, value, aboveSince, profilingEnds, profilingEnds.plus(settings.cooldown()));
        phase = TriggerPhase.PROFILING;
        aboveSince = null;
        return TriggerStep.FIRED;
    }
}
