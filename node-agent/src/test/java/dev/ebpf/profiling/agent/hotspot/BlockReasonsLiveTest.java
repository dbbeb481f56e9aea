package dev.ebpf.profiling.agent.hotspot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.profile.Frame;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The reason rules against this kernel's own blocking stacks: /proc/PID/stack shows a blocked
 * task's kernel stack by name, the same frames the off-CPU sampler records at switch-out.
 */
class BlockReasonsLiveTest {

    private static final BlockReasons REASONS = new BlockReasons(FrameRules.blockReasons());
    private static final long WAIT_MILLIS = 10_000;

    private record Blocked(List<Frame> frames, TaskState state) {}

    /** The process's kernel stack once it is blocked in a system call. */
    private static Blocked blocked(Process process) throws IOException, InterruptedException {
        Path proc = Path.of("/proc", Long.toString(process.pid()));
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            List<String> stack = Files.readAllLines(proc.resolve("stack"));
            String stat = Files.readString(proc.resolve("stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            boolean inSyscall = stack.stream().anyMatch(line -> line.contains("do_syscall_64"));
            boolean exec = stack.stream().anyMatch(line -> line.contains("execve"));
            if ((state == 'S' || state == 'D') && inSyscall && !exec) {
                List<Frame> frames = stack.stream()
                        .map(line -> line.substring(line.indexOf(']') + 1).strip())
                        .map(symbol ->
                                symbol.substring(0, symbol.indexOf('+') < 0 ? symbol.length() : symbol.indexOf('+')))
                        .map(name -> new Frame(name, "vmlinux", Frame.Origin.KERNEL))
                        .toList();
                return new Blocked(frames, state == 'D' ? TaskState.UNINTERRUPTIBLE : TaskState.INTERRUPTIBLE);
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("process " + process.pid() + " did not block within " + WAIT_MILLIS + " ms");
    }

    private static String reasonOf(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).start();
        try {
            Blocked blocked = blocked(process);
            return REASONS.decide(blocked.frames(), blocked.state());
        } finally {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aProcessInNanosleepIsAsleep() throws Exception {
        assertThat(reasonOf("sleep", "60")).isEqualTo("sleep");
    }

    @Test
    void aProcessReadingAnEmptyPipeWaitsForIo() throws Exception {
        // cat reads its standard input: the pipe from this JVM, which writes nothing.
        assertThat(reasonOf("cat")).isEqualTo("io");
    }
}
