package dev.ebpf.profiling.agent.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import dev.ebpf.profiling.agent.testsupport.CompiledC;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.agent.testsupport.StartedProcesses;
import dev.ebpf.profiling.agent.testsupport.TestTags;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The program's own frame-pointer walk (the fp mode) follows rbp only while it can be a frame of
 * the stack: code built without frame pointers keeps data in rbp, and the kernel's walk
 * (bpf_get_stackid) follows it anywhere, reading what it points to as frames. A chain of frames
 * that steps to another stack is still followed.
 */
@Tag(TestTags.BPF)
class FramePointerWalkLiveTest {

    private static final int HZ = 99;
    /** The fake return address the program plants where its rbp points. */
    private static final long FAKE_RETURN = 0x4141414141L;

    /**
     * Spins with rbp pointing at a fake frame in its data (below the stack, as a heap pointer
     * would be): saved rbp 0, return address FAKE_RETURN. Built without frame pointers, as stock
     * binaries are, and never returns.
     */
    private static final String PROGRAM = """
            static unsigned long fake_frame[2];

            int main(void) {
                fake_frame[0] = 0;
                fake_frame[1] = 0x4141414141UL;
                __asm__ volatile("mov %0, %%rbp\\n1: jmp 1b" : : "r"(fake_frame));
                return 0;
            }
            """;

    /**
     * Built with frame pointers, it spins in a function called on a stack of its own in the heap
     * (as Go's systemstack or a sigaltstack handler runs), from main on the thread's stack. The
     * walk finds two frames on the heap stack (the leaf, whose gcc -O1 code has no frame of its
     * own, and the return into switch_stacks), then rbp steps to the thread's stack, far more than
     * a frame away.
     */
    private static final String SWITCHING_PROGRAM = """
            #include <stdlib.h>

            __attribute__((noinline)) void spin(void) { for (;;) __asm__ volatile(""); }
            __attribute__((noinline)) void on_other_stack(void) { spin(); __asm__ volatile(""); }

            __attribute__((noinline)) void switch_stacks(char *top) {
                __asm__ volatile("mov %%rsp, %%rbx\\n"
                                 "mov %0, %%rsp\\n"
                                 "call on_other_stack\\n"
                                 "mov %%rbx, %%rsp\\n"
                                 : : "r"(top) : "rbx", "memory");
            }

            int main(void) {
                size_t size = 8 << 20; /* malloc maps it: far from the thread's stack */
                char *stack = malloc(size);
                switch_stacks(stack + size - 64);
                return 0;
            }
            """;

    @TempDir
    Path dir;

    @Test
    void rbpThatPointsBelowTheStackEndsTheWalk() throws Exception {
        RequiresRoot.assumeBpf();
        List<long[]> fpStacks = stacksOfTheSpinner(BenchmarkVariant.NONE);
        assertThat(fpStacks).as("stacks of the spinner").isNotEmpty();
        assertThat(fpStacks)
                .as("no stack goes on through the fake frame rbp points to")
                .allSatisfy(frames -> assertThat(frames).doesNotContain(FAKE_RETURN));
    }

    @Test
    void theKernelsWalkFollowsItThere() throws Exception {
        // The control: the same program under the kernel's walk reads the fake frame, so the
        // test above is not passing for want of a frame to follow.
        RequiresRoot.assumeBpf();
        List<long[]> kernelWalk = stacksOfTheSpinner(BenchmarkVariant.withKernelFpWalk());
        assertThat(kernelWalk)
                .as("stacks by bpf_get_stackid")
                .isNotEmpty()
                .anySatisfy(frames -> assertThat(frames).contains(FAKE_RETURN));
    }

    @Test
    void aChainThatStepsToAnotherStackIsFollowed() throws Exception {
        RequiresRoot.assumeBpf();
        Path binary =
                CompiledC.build(dir, "switch_stacks", SWITCHING_PROGRAM, "-O1", "-fno-omit-frame-pointer", "-no-pie");
        long[] main = CompiledC.functionAddressAndSize(binary, "main");
        long[] switcher = CompiledC.functionAddressAndSize(binary, "switch_stacks");

        List<long[]> stacks = stacksOf(binary, BenchmarkVariant.NONE);

        assertThat(stacks).as("stacks of the spinner").isNotEmpty();
        assertThat(stacks)
                .as("a stack goes on from the heap stack to switch_stacks and main on the thread's stack")
                .anySatisfy(frames -> {
                    assertThat(holdsAddressIn(frames, switcher))
                            .as("switch_stacks")
                            .isTrue();
                    assertThat(holdsAddressIn(frames, main)).as("main").isTrue();
                });
    }

    /** Whether a frame's address lies in the function at {@code addressAndSize} (link-time, no PIE). */
    private static boolean holdsAddressIn(long[] frames, long[] addressAndSize) {
        return Arrays.stream(frames)
                .anyMatch(pc -> pc > addressAndSize[0] && pc <= addressAndSize[0] + addressAndSize[1]);
    }

    private List<long[]> stacksOfTheSpinner(BenchmarkVariant variant) throws Exception {
        return stacksOf(CompiledC.build(dir, "fake_frame", PROGRAM, "-O1", "-fomit-frame-pointer"), variant);
    }

    private static List<long[]> stacksOf(Path binary, BenchmarkVariant variant) throws Exception {
        // Every CPU: the spinner is not pinned.
        OnCpuSampler.Settings settings = OnCpuSampler.Settings.of(
                        OnlineCpus.read().cpus(), HZ, Set.of())
                .withUnwinding(Unwinding.FRAME_POINTERS);
        try (StartedProcesses started = new StartedProcesses();
                OnCpuSampler sampler = OnCpuSampler.start(settings, variant)) {
            Process spinner = started.add(new ProcessBuilder(binary.toString()).start());
            sampler.cut();
            Thread.sleep(1_500); // ~150 samples of a CPU-bound loop at 99 Hz, on a quiet machine
            RawSlice slice = sampler.cut();
            List<long[]> stacks = new ArrayList<>();
            slice.counts().keySet().stream()
                    .filter(key -> key.tgid() == spinner.pid())
                    .map(key -> slice.stacks().get(key.userStackId()))
                    .filter(java.util.Objects::nonNull)
                    .forEach(stacks::add);
            return stacks;
        }
    }
}
