package dev.ebpf.profiling.agent.hotspot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BlockReasonsTest {

    private static final BlockReasons REASONS = new BlockReasons(FrameRules.blockReasons());

    record Case(String reason, TaskState state, String stack) {
    }

    static List<Case> cases() throws IOException {
        try (InputStream in = BlockReasonsTest.class.getResourceAsStream("/hotspot/block-reason-cases.txt")) {
            List<Case> cases = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList()) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    String[] parts = line.split("\\|", 3);
                    cases.add(new Case(parts[0].strip(), TaskState.valueOf(parts[1].strip()), parts[2].strip()));
                }
            }
            return cases;
        }
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

        assertThat(tested).containsExactlyInAnyOrderElementsOf(FrameRules.blockReasons().tags());
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
    }
}
