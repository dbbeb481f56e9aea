package dev.ebpf.profiling.agent.bench;

import dev.ebpf.profiling.agent.sampler.OnCpuSampler;
import dev.ebpf.profiling.agent.sampler.RawSlice;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * How long {@link OnCpuSampler#cut()} takes to drain a slice with about 10,000 distinct stacks.
 * Run as root: {@code scripts/bench-slice-drain.sh}. Prints one line per round.
 */
public final class SliceDrainBenchmark {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final int FREQUENCY_HZ = 1000;
    private static final int ROUNDS = 5;
    private static final long SLICE_MILLIS = 5_000;

    public static void main(String[] args) throws Exception {
        Path binary = compileLoad();
        List<Process> load = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            load.add(new ProcessBuilder(binary.toString()).start());
        }
        try (OnCpuSampler sampler =
                OnCpuSampler.start(OnCpuSampler.Settings.of(List.of(0, 1), FREQUENCY_HZ, Set.of()))) {
            sampler.cut(); // start a clean slice
            for (int round = 1; round <= ROUNDS; round++) {
                Thread.sleep(SLICE_MILLIS);
                long started = System.nanoTime();
                long cpuStarted = THREADS.getCurrentThreadCpuTime();
                RawSlice slice = sampler.cut();
                double cpuMillis = (THREADS.getCurrentThreadCpuTime() - cpuStarted) / 1e6;
                double millis = (System.nanoTime() - started) / 1e6;
                System.out.printf(
                        "round %d: drained %d keys, %d distinct stacks, %d samples: %.1f ms CPU,"
                                + " %.1f ms wall (10 ms of it the fixed slot quiesce wait); lost %s%n",
                        round,
                        slice.counts().size(),
                        slice.stacks().size(),
                        slice.counters().samples(),
                        cpuMillis,
                        millis,
                        slice.counters().lost());
            }
        } finally {
            load.forEach(Process::destroy);
        }
    }

    private static Path compileLoad() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("drain-bench");
        Path source = dir.resolve("many_stacks.c");
        try (InputStream in = SliceDrainBenchmark.class.getResourceAsStream("/bench/many_stacks.c")) {
            Files.copy(in, source);
        }
        Path binary = dir.resolve("many_stacks");
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
            throw new IllegalStateException("gcc failed on " + source);
        }
        return binary;
    }
}
