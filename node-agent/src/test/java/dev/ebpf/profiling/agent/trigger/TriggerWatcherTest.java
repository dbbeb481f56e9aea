package dev.ebpf.profiling.agent.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The watcher's wiring, polled by hand on a hand-moved clock. */
class TriggerWatcherTest {

    private static final Instant T0 = Instant.parse("2026-11-26T03:00:00Z");

    private final TestClock clock = new TestClock(T0);
    private final ScriptedMetric metric = new ScriptedMetric();
    private final SliceRing<String> ring = new SliceRing<>(10, Duration.ofSeconds(30), clock);
    private final List<String> heard = new ArrayList<>();

    @Test
    void firingHandsOverThePreTriggerSlicesAndTheEndOfTheWindowIsReported() {
        TriggerWatcher<String> watcher = watcher(new Recorder());
        ring.add(T0, "slice-before-1");
        ring.add(T0, "slice-before-2");

        metric.next(90, 90, 90, 10, 10, 10);
        for (int i = 0; i < 6; i++) {
            pollAfterASecond(watcher);
        }

        assertThat(heard)
                .containsExactly(
                        "fired node-sys 90.0 at 2026-11-26T03:00:03Z with [slice-before-1, slice-before-2]",
                        "ended node-sys at 2026-11-26T03:00:05Z");
        assertThat(ring.size()).isZero();
        TriggerStatus status = watcher.status();
        assertThat(status.phase()).isEqualTo(TriggerPhase.COOLDOWN);
        assertThat(status.firings()).isEqualTo(1);
        assertThat(status.value()).hasValue(10);
        assertThat(status.readAt()).isEqualTo(T0.plusSeconds(6));
    }

    @Test
    void aFailingReadIsShownAndCountsAsNotAbove() {
        TriggerWatcher<String> watcher = watcher(new Recorder());
        metric.next(95);
        pollAfterASecond(watcher);
        metric.failNext("cannot read /proc/stat: No such file");
        pollAfterASecond(watcher);

        TriggerStatus status = watcher.status();
        assertThat(status.readError()).isEqualTo("cannot read /proc/stat: No such file");
        assertThat(status.value()).isEmpty();
        assertThat(status.phase()).isEqualTo(TriggerPhase.ARMED);

        metric.next(5);
        pollAfterASecond(watcher);
        assertThat(watcher.status().readError()).isEmpty();
    }

    @Test
    void aFailingListenerIsShownAndPollingGoesOn() {
        TriggerWatcher<String> watcher = watcher(new TriggerListener<>() {
            @Override
            public void fired(String name, Firing firing, List<String> before) {
                throw new IllegalStateException("result ConfigMap quota exceeded\nsecond line");
            }

            @Override
            public void profilingEnded(String name, Firing firing) {
                heard.add("ended");
            }
        });
        metric.next(90, 90, 90, 90, 90);
        for (int i = 0; i < 5; i++) {
            pollAfterASecond(watcher);
        }

        assertThat(heard).as("polling went on to the window's end").containsExactly("ended");
        assertThat(watcher.status().listenerError())
                .as("kept after the window's end: the firing's result was lost")
                .isEqualTo("trigger listener failed on FIRED: result ConfigMap quota exceeded");
    }

    private TriggerWatcher<String> watcher(TriggerListener<String> listener) {
        TriggerSettings settings =
                new TriggerSettings(80, Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(60));
        return new TriggerWatcher<>(metric, new TriggerStateMachine(settings, clock), ring, listener, clock);
    }

    private void pollAfterASecond(TriggerWatcher<String> watcher) {
        clock.advance(Duration.ofSeconds(1));
        watcher.poll();
    }

    private final class Recorder implements TriggerListener<String> {
        @Override
        public void fired(String name, Firing firing, List<String> before) {
            heard.add("fired " + name + " " + firing.value() + " at " + firing.at() + " with " + before);
        }

        @Override
        public void profilingEnded(String name, Firing firing) {
            heard.add("ended " + name + " at " + firing.profilingEnds());
        }
    }

    /** Returns the values it is given, one per read; or fails once when told to. */
    private static final class ScriptedMetric implements MetricSource {
        private final ArrayDeque<Object> script = new ArrayDeque<>();

        void next(double... values) {
            for (double v : values) {
                script.add(v);
            }
        }

        void failNext(String message) {
            script.add(new IllegalStateException(message));
        }

        @Override
        public OptionalDouble read() {
            Object next = script.removeFirst();
            if (next instanceof RuntimeException e) {
                throw e;
            }
            return OptionalDouble.of((Double) next);
        }

        @Override
        public String name() {
            return "node-sys";
        }
    }
}
