package dev.ebpf.profiling.agent.sampler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the off-CPU sampler refuses before it loads anything, each with one clear line. */
class OffCpuSettingsTest {

    @Test
    void aCpuTheKernelBitmapCannotHoldIsRefused() {
        assertThat(OffCpuSampler.MAX_CPUS).isEqualTo(1024);
        assertThatThrownBy(() -> new OffCpuSampler.Settings(List.of(0, 1024), Set.of(), 1_000_000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("CPU 1024 is outside what the off-CPU filter can select (0-1023)");
        assertThatThrownBy(() -> new OffCpuSampler.Settings(List.of(-1), Set.of(), 1_000_000))
                .hasMessage("CPU -1 is outside what the off-CPU filter can select (0-1023)");
    }

    @Test
    void noCpusANegativeMinimumOrANegativeMapSizeAreRefused() {
        assertThatThrownBy(() -> new OffCpuSampler.Settings(List.of(), Set.of(), 1_000_000))
                .hasMessage("no CPUs to watch");
        assertThatThrownBy(() -> new OffCpuSampler.Settings(List.of(0), Set.of(), -1))
                .hasMessage("the minimum block cannot be negative, got -1 ns");
        assertThatThrownBy(() -> new OffCpuSampler.Settings(List.of(0), false, Set.of(), 0, -5))
                .hasMessage("count map entries cannot be negative, got -5");
    }

    @Test
    void blockedTimeAddsUpAndIsNeverNegative() {
        assertThat(new BlockedTime(5, 1, 0).plus(new BlockedTime(7, 0, 1))).isEqualTo(new BlockedTime(12, 1, 1));
        assertThatThrownBy(() -> new BlockedTime(-1, 0, 0))
                .hasMessage("blocked time and counts cannot be negative: -1 ns, 0 ended, 0 ongoing");
    }
}
