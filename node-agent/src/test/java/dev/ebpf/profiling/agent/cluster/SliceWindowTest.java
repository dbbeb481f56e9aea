package dev.ebpf.profiling.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SliceWindowTest {

    @Test
    void windowsStartAtMultiplesOfThePeriodSoEveryNodeSharesThem() {
        SliceWindow window = SliceWindow.next(
                Instant.parse("2026-11-26T12:03:17.250Z"), Duration.ofMinutes(5), Duration.ofSeconds(30));
        assertThat(window.start()).isEqualTo(Instant.parse("2026-11-26T12:05:00Z"));
        assertThat(window.end()).isEqualTo(Instant.parse("2026-11-26T12:05:30Z"));
    }

    @Test
    void aWindowStartingNowIsTaken() {
        SliceWindow window =
                SliceWindow.next(Instant.parse("2026-11-26T12:05:00Z"), Duration.ofMinutes(5), Duration.ofSeconds(30));
        assertThat(window.start()).isEqualTo(Instant.parse("2026-11-26T12:05:00Z"));
    }

    @Test
    void backToBackWindowsFollowEachOther() {
        SliceWindow first =
                SliceWindow.next(Instant.parse("2026-11-26T12:00:01Z"), Duration.ofSeconds(10), Duration.ofSeconds(10));
        assertThat(first.following().start()).isEqualTo(first.end());
        assertThat(first.following().end()).isEqualTo(Instant.parse("2026-11-26T12:00:30Z"));
    }

    @Test
    void aWindowLongerThanItsPeriodIsRefused() {
        assertThatThrownBy(() -> SliceWindow.next(Instant.EPOCH, Duration.ofSeconds(10), Duration.ofSeconds(30)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
