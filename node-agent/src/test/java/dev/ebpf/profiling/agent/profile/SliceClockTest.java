package dev.ebpf.profiling.agent.profile;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SliceClockTest {

    @Test
    void cutsAtEachSliceAndAtTheEnd() {
        assertThat(SliceClock.cutOffsets(Duration.ofSeconds(25), Duration.ofSeconds(10)))
                .containsExactly(10_000_000_000L, 20_000_000_000L, 25_000_000_000L);
    }

    @Test
    void oneSliceWhenTheSliceIsTheWholeRun() {
        assertThat(SliceClock.cutOffsets(Duration.ofSeconds(10), Duration.ofSeconds(10)))
                .containsExactly(10_000_000_000L);
        assertThat(SliceClock.cutOffsets(Duration.ofSeconds(5), Duration.ofSeconds(10)))
                .containsExactly(5_000_000_000L);
    }
}
