package dev.ebpf.profiling.agent.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.testsupport.CompiledC;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.agent.testsupport.StartedProcesses;
import dev.ebpf.profiling.agent.testsupport.TestTags;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The program's own frame-pointer walk (the fp mode) follows rbp only while it can be a frame of
 * the stack: code built without frame pointers keeps data in rbp, and the kernel's walk
 * (bpf_get_stackid) follows it anywhere, reading what it points to as frames.
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

    private List<long[]> stacksOfTheSpinner(BenchmarkVariant variant) throws Exception {
        Path binary = CompiledC.build(dir, "fake_frame", PROGRAM, "-O1", "-fomit-frame-pointer");
        OnCpuSampler.Settings settings =
                OnCpuSampler.Settings.of(List.of(0, 1), HZ, Set.of()).withUnwinding(Unwinding.FRAME_POINTERS);
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
