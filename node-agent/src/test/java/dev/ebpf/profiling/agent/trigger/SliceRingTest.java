package dev.ebpf.profiling.agent.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SliceRingTest {

    private static final Instant T0 = Instant.parse("2026-11-26T13:57:00Z");

    private final TestClock clock = new TestClock(T0);

    @Test
    void keepsAtMostTheNewestCountOldestFirst() {
        SliceRing<String> ring = new SliceRing<>(3, Duration.ofMinutes(10), clock);
        for (int i = 1; i <= 5; i++) {
            clock.advance(Duration.ofSeconds(1));
            ring.add(clock.instant(), "slice-" + i);
        }

        assertThat(ring.snapshot()).containsExactly("slice-3", "slice-4", "slice-5");
        assertThat(ring.size()).isEqualTo(3);
    }

    @Test
    void forgetsSlicesOlderThanTheMaxAgeEvenWithoutNewOnes() {
        SliceRing<String> ring = new SliceRing<>(100, Duration.ofSeconds(30), clock);
        ring.add(T0, "at-0s");
        ring.add(T0.plusSeconds(10), "at-10s");
        ring.add(T0.plusSeconds(20), "at-20s");

        clock.advance(Duration.ofSeconds(30));
        assertThat(ring.snapshot()).as("exactly max age old is kept").containsExactly("at-0s", "at-10s", "at-20s");

        clock.advance(Duration.ofSeconds(15));
        assertThat(ring.snapshot()).containsExactly("at-20s");

        clock.advance(Duration.ofSeconds(60));
        assertThat(ring.snapshot()).isEmpty();
    }

    @Test
    void takeAllHandsOverTheHistoryAndEmptiesTheRing() {
        SliceRing<Integer> ring = new SliceRing<>(10, Duration.ofSeconds(30), clock);
        ring.add(T0, 1);
        ring.add(T0, 2);

        assertThat(ring.takeAll()).containsExactly(1, 2);
        assertThat(ring.snapshot()).isEmpty();
    }

    @Test
    void boundsMustBePositive() {
        assertThatThrownBy(() -> new SliceRing<String>(0, Duration.ofSeconds(1), clock))
                .hasMessage("ring size must be positive, got 0");
        assertThatThrownBy(() -> new SliceRing<String>(1, Duration.ZERO, clock))
                .hasMessage("ring max age must be positive, got PT0S");
    }
}
