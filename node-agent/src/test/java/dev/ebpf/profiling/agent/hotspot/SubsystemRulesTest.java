package dev.ebpf.profiling.agent.hotspot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebpf.profiling.api.profile.Frame;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SubsystemRulesTest {

    private static final FrameRules RULES = FrameRules.kernelSubsystems();

    record Case(String tag, String stack) {}

    static List<Case> cases() throws IOException {
        return CaseFile.read("/hotspot/subsystem-cases.txt", 2).stream()
                .map(f -> new Case(f[0], f[1]))
                .toList();
    }

    static Stream<Arguments> stacks() throws IOException {
        return cases().stream().map(c -> Arguments.of(c.tag(), c.stack()));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("stacks")
    void tagsEachStackAsExpected(String tag, String stack) {
        assertThat(RULES.classify(KernelStacks.kernel(stack))).isEqualTo(tag);
    }

    @Test
    void everyTagHasACase() throws IOException {
        List<String> tested = cases().stream().map(Case::tag).distinct().toList();

        assertThat(tested).containsExactlyInAnyOrderElementsOf(RULES.tags());
        assertThat(RULES.tags())
                .contains(
                        "memory-reclaim",
                        "page-fault",
                        "scheduler",
                        "network",
                        "filesystem",
                        "block-io",
                        "tracing",
                        "cross-cpu-call",
                        "irq",
                        "softirq",
                        "syscall",
                        "other");
    }

    @Test
    void onlyTheKernelFramesCount() {
        List<Frame> frames = new ArrayList<>(KernelStacks.kernel("syscall_exit_to_user_mode <- do_syscall_64"));
        frames.add(new Frame("tcp_sendmsg_in_user_space", "app", Frame.Origin.EXECUTABLE));

        assertThat(RULES.classify(frames)).isEqualTo("syscall");
    }

    @Test
    void theFirstRuleInTheFileWinsOverLaterOnes() {
        FrameRules rules = FrameRules.parse(List.of("first b*", "second a*"), "test");

        assertThat(rules.classify(KernelStacks.kernel("apple <- banana"))).isEqualTo("first");
        assertThat(rules.classify(KernelStacks.kernel("apple <- cherry"))).isEqualTo("second");
        assertThat(rules.classify(KernelStacks.kernel("cherry"))).isEqualTo(FrameRules.OTHER);
    }

    @Test
    void globsMatchWholeNamesAndQuoteRegexCharacters() {
        FrameRules rules = FrameRules.parse(List.of("exact a.b", "star *_x_*"), "test");

        assertThat(rules.classify(KernelStacks.kernel("aXb"))).isEqualTo(FrameRules.OTHER);
        assertThat(rules.classify(KernelStacks.kernel("pre_a.b"))).isEqualTo(FrameRules.OTHER);
        assertThat(rules.classify(KernelStacks.kernel("one_x_two"))).isEqualTo("star");
    }

    @Test
    void aTagSplitAcrossTheFileIsRefused() {
        assertThatThrownBy(() -> FrameRules.parse(List.of("a x", "b y", "a z"), "rules.txt"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("rules.txt line 3: tag 'a' appears again");
    }

    @Test
    void aLineWithoutAPatternIsRefused() {
        assertThatThrownBy(() -> FrameRules.parse(List.of("network"), "rules.txt"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rules.txt line 1: expected 'TAG PATTERN', got: network");
    }
}
