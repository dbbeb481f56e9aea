package dev.ebpf.profiling.agent.hotspot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BlockReasonsTest {

    private static final BlockReasons REASONS = new BlockReasons(FrameRules.blockReasons());

    record Case(String reason, TaskState state, String stack) {}

    static List<Case> cases() throws IOException {
        return CaseFile.read("/hotspot/block-reason-cases.txt", 3).stream()
                .map(f -> new Case(f[0], TaskState.valueOf(f[1]), f[2]))
                .toList();
    }

    static Stream<Arguments> stacks() throws IOException {
        return cases().stream().map(c -> Arguments.of(c.reason(), c.state(), c.stack()));
    }

    @ParameterizedTest(name = "{0} ({1}): {2}")
    @MethodSource("stacks")
    void givesEachBlockedStackItsReason(String reason, TaskState state, String stack) {
        assertThat(REASONS.decide(KernelStacks.kernel(stack), state)).isEqualTo(reason);
    }

    @Test
    void everyReasonHasACase() throws IOException {
        List<String> tested = cases().stream().map(Case::reason).distinct().toList();

        assertThat(tested)
                .containsExactlyInAnyOrderElementsOf(FrameRules.blockReasons().tags());
        assertThat(FrameRules.blockReasons().tags()).containsExactlyInAnyOrder("lock", "net", "sleep", "io", "other");
    }

    @Test
    void readsTheKernelsTaskStateBits() {
        assertThat(TaskState.fromKernel(0)).isEqualTo(TaskState.RUNNABLE);
        assertThat(TaskState.fromKernel(0x1)).isEqualTo(TaskState.INTERRUPTIBLE);
        assertThat(TaskState.fromKernel(0x2)).isEqualTo(TaskState.UNINTERRUPTIBLE);
        // TASK_IDLE is uninterruptible plus TASK_NOLOAD.
        assertThat(TaskState.fromKernel(0x402)).isEqualTo(TaskState.UNINTERRUPTIBLE);
        assertThat(TaskState.fromKernel(0x4)).isEqualTo(TaskState.OTHER);
        // Preempted while runnable: sched_switch reports TASK_REPORT_MAX (0x100), no state bit.
        assertThat(TaskState.fromKernel(0x100)).isEqualTo(TaskState.RUNNABLE);
        // TASK_REPORT_IDLE: an idle kernel thread, asleep.
        assertThat(TaskState.fromKernel(0x80)).isEqualTo(TaskState.INTERRUPTIBLE);
    }
}
