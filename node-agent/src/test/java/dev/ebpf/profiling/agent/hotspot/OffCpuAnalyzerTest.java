package dev.ebpf.profiling.agent.hotspot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ebpf.profiling.api.profile.Frame;
import dev.ebpf.profiling.api.profile.OffCpuApplication;
import dev.ebpf.profiling.api.profile.OffCpuHotspot;
import dev.ebpf.profiling.api.profile.OffCpuProfile;
import java.util.List;
import org.junit.jupiter.api.Test;

class OffCpuAnalyzerTest {

    private static final OffCpuAnalyzer ANALYZER = new OffCpuAnalyzer(new BlockReasons(FrameRules.blockReasons()));
    private static final List<Frame> SLEEP =
            KernelStacks.kernel("__schedule <- schedule <- do_nanosleep <- hrtimer_nanosleep");
    private static final List<Frame> PIPE = KernelStacks.kernel("__schedule <- schedule <- anon_pipe_read <- vfs_read");
    private static final List<Frame> FUTEX =
            KernelStacks.kernel("__schedule <- schedule <- futex_wait_queue <- futex_wait");
    private static final long SECOND = 1_000_000_000L;

    private static final List<BlockedStack> STACKS = List.of(
            new BlockedStack(10, "batch", SLEEP, 6 * SECOND, TaskState.INTERRUPTIBLE),
            new BlockedStack(11, "batch", SLEEP, 2 * SECOND, TaskState.INTERRUPTIBLE),
            new BlockedStack(10, "batch", PIPE, 2 * SECOND, TaskState.INTERRUPTIBLE),
            new BlockedStack(20, "db", FUTEX, 3 * SECOND, TaskState.INTERRUPTIBLE),
            new BlockedStack(30, "idle", SLEEP, SECOND / 2, TaskState.INTERRUPTIBLE));

    @Test
    void ranksApplicationsByBlockedTimeAcrossTheirProcesses() {
        OffCpuProfile profile = ANALYZER.analyze(STACKS, 2, 5);

        assertThat(profile.topApplications())
                .containsExactly(
                        new OffCpuApplication(1, "batch", List.of(10, 11), 10.0),
                        new OffCpuApplication(2, "db", List.of(20), 3.0));
    }

    @Test
    void givesEachApplicationsLongestWaitsWithTheirReasons() {
        OffCpuProfile profile = ANALYZER.analyze(STACKS, 2, 5);

        assertThat(profile.hotspots())
                .extracting(OffCpuHotspot::application, OffCpuHotspot::blockedSeconds, OffCpuHotspot::reason)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("batch", 8.0, "sleep"),
                        org.assertj.core.groups.Tuple.tuple("batch", 2.0, "io"),
                        org.assertj.core.groups.Tuple.tuple("db", 3.0, "lock"));
        assertThat(profile.hotspots().getFirst().percentOfApplication()).isCloseTo(80.0, within(1e-9));
        assertThat(profile.hotspots().getFirst().frames()).isEqualTo(SLEEP);
    }

    @Test
    void keepsOnlyTheTopStacksPerApplication() {
        assertThat(ANALYZER.analyze(STACKS, 1, 1).hotspots())
                .extracting(OffCpuHotspot::reason)
                .containsExactly("sleep");
        assertThat(ANALYZER.analyze(List.of(), 5, 5)).isEqualTo(new OffCpuProfile(List.of(), List.of()));
    }
}
