package dev.ebpf.profiling.agent.sampler;

import dev.ebpf.profiling.agent.testsupport.StartedProcesses;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Real CPU-burning processes for sampler tests, each under a name of the test's choosing (the
 * binary is copied to that name, so comm and /proc/PID/comm say it). Closing kills them all.
 */
final class BusyLoops implements AutoCloseable {

    private static Path compiled;
    private final StartedProcesses processes = new StartedProcesses();
    private final Path dir;

    BusyLoops() throws IOException {
        this.dir = Files.createTempDirectory("busy-loops");
    }

    /** Starts a busy loop called {@code name}, pinned to {@code cpu} when it is not negative. */
    Process start(String name, int cpu) throws IOException, InterruptedException {
        Path binary = dir.resolve(name);
        if (!Files.exists(binary)) {
            Files.copy(binary(), binary, StandardCopyOption.COPY_ATTRIBUTES);
        }
        List<String> command = cpu >= 0
                ? List.of("taskset", "-c", Integer.toString(cpu), binary.toString())
                : List.of(binary.toString());
        // taskset execs the program, so the pid stays the busy loop's.
        Process process = processes.add(
                new ProcessBuilder(command).redirectErrorStream(true).start());
        awaitExec(process, name);
        return process;
    }

    /**
     * Waits until taskset has exec'd the loop (its comm is the loop's name), so that a test's first
     * cut leaves no sample of the process under taskset's name (seen on a machine at load 15).
     */
    private static void awaitExec(Process process, String name) throws InterruptedException {
        Path comm = Path.of("/proc", Long.toString(process.pid()), "comm");
        String expected = name.length() > 15 ? name.substring(0, 15) : name; // TASK_COMM_LEN - 1
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                if (Files.readString(comm).strip().equals(expected)) {
                    return;
                }
            } catch (IOException e) {
                return; // gone: the test will say so
            }
            Thread.sleep(5);
        }
    }

    private static synchronized Path binary() throws IOException, InterruptedException {
        if (compiled == null) {
            Path dir = Files.createTempDirectory("busy-loop-build");
            Path source = dir.resolve("many_stacks.c");
            try (InputStream in = BusyLoops.class.getResourceAsStream("/bench/many_stacks.c")) {
                Files.copy(in, source);
            }
            Path binary = dir.resolve("burn");
            Process gcc = new ProcessBuilder(
                            "gcc",
                            "-O1",
                            "-fno-omit-frame-pointer",
                            "-fno-optimize-sibling-calls",
                            "-o",
                            binary.toString(),
                            source.toString())
                    .inheritIO()
                    .start();
            if (gcc.waitFor() != 0) {
                throw new IllegalStateException("gcc could not build the busy loop");
            }
            compiled = binary;
        }
        return compiled;
    }

    @Override
    public void close() {
        processes.close();
    }
}
