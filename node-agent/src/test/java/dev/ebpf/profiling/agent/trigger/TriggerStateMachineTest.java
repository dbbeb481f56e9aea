package dev.ebpf.profiling.agent.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The hysteresis, driven second by second with a hand-moved clock. */
class TriggerStateMachineTest {

    private static final Instant T0 = Instant.parse("2026-11-26T03:00:00Z");
    private static final Duration SECOND = Duration.ofSeconds(1);
    /** threshold 80 %, for 5 s, profile 30 s, cooldown 60 s. */
    private static final TriggerSettings SETTINGS =
            new TriggerSettings(80, Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(60));

    private final TestClock clock = new TestClock(T0);
    private final TriggerStateMachine trigger = new TriggerStateMachine(SETTINGS, clock);

    @Test
    void firesOnceTheMetricHasStayedAboveForTheWholeForDuration() {
        assertThat(feed(50)).isEqualTo(TriggerStep.NONE);
        assertThat(trigger.phase()).isEqualTo(TriggerPhase.ARMED);

        Instant firstAbove = tick();
        assertThat(trigger.observe(value(87))).isEqualTo(TriggerStep.NONE);
        assertThat(trigger.phase()).isEqualTo(TriggerPhase.ABOVE_THRESHOLD);
        assertThat(trigger.aboveSince()).contains(firstAbove);
        for (int second = 1; second < 5; second++) {
            assertThat(feed(90)).as("after %d s above", second).isEqualTo(TriggerStep.NONE);
        }

        assertThat(feed(91)).isEqualTo(TriggerStep.FIRED);
        Instant firedAt = firstAbove.plusSeconds(5);
        assertThat(trigger.phase()).isEqualTo(TriggerPhase.PROFILING);
        assertThat(trigger.lastFiring())
                .contains(new Firing(firedAt, 91, firstAbove, firedAt.plusSeconds(30), firedAt.plusSeconds(90)));
    }

    @Test
    void theFiringReadsAsTheEventMessage() {
        fire();

        assertThat(trigger.lastFiring().orElseThrow().eventMessage("node-3", "node-sys", 80))
                .isEqualTo("Triggered: node-3 node-sys 99% > 80% for 5s");
    }

    @Test
    void dippingToTheThresholdRestartsTheForTimer() {
        for (int i = 0; i < 4; i++) {
            feed(95);
        }
        assertThat(feed(80)).as("equal to the threshold is not above").isEqualTo(TriggerStep.NONE);
        assertThat(trigger.phase()).isEqualTo(TriggerPhase.ARMED);

        Instant restart = tick();
        trigger.observe(value(95));
        for (int i = 1; i < 5; i++) {
            assertThat(feed(95)).isEqualTo(TriggerStep.NONE);
        }
        assertThat(feed(95)).isEqualTo(TriggerStep.FIRED);
        assertThat(trigger.lastFiring().orElseThrow().aboveSince()).isEqualTo(restart);
    }

    @Test
    void aMissingReadingCountsAsNotAbove() {
        feed(95);
        clock.advance(SECOND);
        assertThat(trigger.observe(OptionalDouble.empty())).isEqualTo(TriggerStep.NONE);
        assertThat(trigger.phase()).isEqualTo(TriggerPhase.ARMED);
    }

    @Test
    void profilesForTheDurationThenCoolsDownThenRearms() {
        Instant firedAt = fire();

        clock.advance(Duration.ofSeconds(29));
        assertThat(trigger.observe(value(99))).isEqualTo(TriggerStep.NONE);
        assertThat(trigger.phase()).isEqualTo(TriggerPhase.PROFILING);

        clock.advance(SECOND);
        assertThat(trigger.observe(value(99))).isEqualTo(TriggerStep.PROFILING_ENDED);
        assertThat(clock.instant()).isEqualTo(firedAt.plusSeconds(30));
        assertThat(trigger.phase()).isEqualTo(TriggerPhase.COOLDOWN);

        // Cooldown is respected however high the metric stays.
        for (int second = 1; second < 60; second++) {
            assertThat(feed(100)).as("cooldown second %d", second).isEqualTo(TriggerStep.NONE);
            assertThat(trigger.phase()).isEqualTo(TriggerPhase.COOLDOWN);
        }

        assertThat(feed(10)).isEqualTo(TriggerStep.REARMED);
        assertThat(clock.instant()).isEqualTo(firedAt.plusSeconds(90));
        assertThat(trigger.phase()).isEqualTo(TriggerPhase.ARMED);
    }

    @Test
    void aHighValueAtRearmingStartsTheNextForTimer() {
        Instant firedAt = fire();
        clock.advance(Duration.ofSeconds(30));
        trigger.observe(value(99));
        clock.advance(Duration.ofSeconds(60));

        assertThat(trigger.observe(value(99))).isEqualTo(TriggerStep.REARMED);
        assertThat(trigger.phase()).isEqualTo(TriggerPhase.ABOVE_THRESHOLD);
        assertThat(trigger.aboveSince()).contains(firedAt.plusSeconds(90));
        for (int i = 1; i < 5; i++) {
            assertThat(feed(99)).isEqualTo(TriggerStep.NONE);
        }
        assertThat(feed(99)).isEqualTo(TriggerStep.FIRED);
    }

    @Test
    void aThresholdNeverCrossedNeverFires() {
        for (int second = 0; second < 3600; second++) {
            assertThat(feed(79.99)).isEqualTo(TriggerStep.NONE);
        }
        assertThat(trigger.lastFiring()).isEmpty();
    }

    @Test
    void aZeroForFiresOnTheFirstValueAbove() {
        TriggerStateMachine eager = new TriggerStateMachine(
                new TriggerSettings(50, Duration.ZERO, Duration.ofSeconds(10), Duration.ZERO), clock);

        assertThat(eager.observe(value(51))).isEqualTo(TriggerStep.FIRED);
    }

    @Test
    void lateObservationsDoNotStretchTheWindowOrTheCooldown() {
        Instant firedAt = fire();
        clock.advance(Duration.ofSeconds(45)); // the poller stalled for 45 s

        assertThat(trigger.observe(value(99))).isEqualTo(TriggerStep.PROFILING_ENDED);
        clock.advance(Duration.ofSeconds(45));
        assertThat(clock.instant()).isEqualTo(firedAt.plusSeconds(90));
        assertThat(trigger.observe(value(1))).isEqualTo(TriggerStep.REARMED);
    }

    @Test
    void settingsAreValidatedWithClearMessages() {
        assertThatThrownBy(() -> new TriggerSettings(101, Duration.ZERO, SECOND, SECOND))
                .hasMessage("trigger threshold must be within 0..100 %, got 101.0");
        assertThatThrownBy(() -> new TriggerSettings(50, Duration.ofSeconds(-1), SECOND, SECOND))
                .hasMessage("trigger for must not be negative, got PT-1S");
        assertThatThrownBy(() -> new TriggerSettings(50, SECOND, Duration.ZERO, SECOND))
                .hasMessage("trigger duration must be positive");
    }

    /** Drives the trigger from armed to fired; returns the firing time. */
    private Instant fire() {
        TriggerStep step;
        do {
            step = feed(99);
        } while (step != TriggerStep.FIRED);
        return clock.instant();
    }

    private Instant tick() {
        clock.advance(SECOND);
        return clock.instant();
    }

    /** One poll: a second passes, then the value is observed. */
    private TriggerStep feed(double percent) {
        tick();
        return trigger.observe(value(percent));
    }

    private static OptionalDouble value(double percent) {
        return OptionalDouble.of(percent);
    }
}
