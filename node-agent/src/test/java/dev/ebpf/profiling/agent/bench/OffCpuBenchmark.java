package dev.ebpf.profiling.agent.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.ebpf.profiling.agent.sampler.OffCpuSampler;
import dev.ebpf.profiling.agent.sampler.RawOffCpuSlice;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the off-CPU sampler costs on a machine doing about 20,000 context switches a second (two
 * processes ping-ponging a byte over pipes): the agent's own CPU time while it runs and cuts
 * slices, and the BPF program's own run time from the kernel's BPF statistics
 * ({@code kernel.bpf_stats_enabled}, read through bpftool). Run as root:
 * {@code scripts/bench-offcpu.sh [seconds] [slice-seconds] [round-trips-per-second]}.
 */
public final class OffCpuBenchmark {

    private static final OperatingSystemMXBean OS =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final Path BPF_STATS = Path.of("/proc/sys/kernel/bpf_stats_enabled");
    /** The program's name as the kernel keeps it (at most 15 characters). */
    private static final String PROGRAM = "off_cpu_switch";

    private static final Pattern RUN_TIME = Pattern.compile("\"run_time_ns\":(\\d+)");
    private static final Pattern RUN_COUNT = Pattern.compile("\"run_cnt\":(\\d+)");
    private static final long MIN_BLOCK_NANOS = 1_000_000;
    private static final long WARM_UP_MILLIS = 2_000;

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int sliceSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int roundTrips = args.length > 2 ? Integer.parseInt(args[2]) : 9_000;
        Process load = new ProcessBuilder(compile("pingpong.c").toString(), Integer.toString(roundTrips)).start();
        String statsBefore = Files.readString(BPF_STATS).strip();
        Files.writeString(BPF_STATS, "1");
        try {
            Thread.sleep(WARM_UP_MILLIS);
            double idleCpu = cpuShareWhile(() -> Thread.sleep(sliceSeconds * 1000L));
            System.out.printf("JVM alone (no sampler) for %d s: %.2f%% of one CPU%n", sliceSeconds, idleCpu);
            try (OffCpuSampler sampler =
                    OffCpuSampler.start(new OffCpuSampler.Settings(List.of(0, 1), Set.of(), MIN_BLOCK_NANOS))) {
                sampler.cut(); // the first, partial slice warms up the cut path
                long[] bpfBefore = bpfStats();
                long switchesBefore = contextSwitches();
                long started = System.nanoTime();
                long cpuStarted = OS.getProcessCpuTime();
                for (int slice = 1; slice <= seconds / sliceSeconds; slice++) {
                    Thread.sleep(sliceSeconds * 1000L);
                    long cutCpu = THREADS.getCurrentThreadCpuTime();
                    long cutStarted = System.nanoTime();
                    RawOffCpuSlice raw = sampler.cut();
                    System.out.printf(
                            "slice %d: %d keys, %d stacks, %d blocks, %d short blocks dropped, lost %d;"
                                    + " cut %.1f ms CPU, %.1f ms wall (20 ms of it the two fixed quiesce waits)%n",
                            slice,
                            raw.blocked().size(),
                            raw.stacks().size(),
                            raw.counters().blocks(),
                            raw.counters().shortBlocks(),
                            raw.counters().lostTotal(),
                            (THREADS.getCurrentThreadCpuTime() - cutCpu) / 1e6,
                            (System.nanoTime() - cutStarted) / 1e6);
                }
                double wall = (System.nanoTime() - started) / 1e9;
                double agentCpu = (OS.getProcessCpuTime() - cpuStarted) / 1e9;
                long switches = contextSwitches() - switchesBefore;
                long[] bpfAfter = bpfStats();
                long runNanos = bpfAfter[0] - bpfBefore[0];
                long runs = bpfAfter[1] - bpfBefore[1];
                System.out.printf("context switches: %.0f/s over %.1f s%n", switches / wall, wall);
                System.out.printf("agent (whole JVM) CPU with off-CPU on: %.2f%% of one CPU%n", agentCpu / wall * 100);
                System.out.printf(
                        "BPF program %s: %d runs, %.0f ns per run, %.2f%% of one CPU%n",
                        PROGRAM, runs, runs == 0 ? 0.0 : (double) runNanos / runs, runNanos / 1e9 / wall * 100);
            }
        } finally {
            Files.writeString(BPF_STATS, statsBefore);
            load.descendants().forEach(ProcessHandle::destroy);
            load.destroy();
        }
    }

    @FunctionalInterface
    private interface Interval {
        void run() throws Exception;
    }

    private static double cpuShareWhile(Interval interval) throws Exception {
        long started = System.nanoTime();
        long cpu = OS.getProcessCpuTime();
        interval.run();
        return (OS.getProcessCpuTime() - cpu) / ((System.nanoTime() - started) / 1e9) / 1e9 * 100;
    }

    /** The "ctxt" line of /proc/stat: context switches since boot, all CPUs. */
    private static long contextSwitches() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
            if (line.startsWith("ctxt ")) {
                return Long.parseLong(line.substring(5).strip());
            }
        }
        throw new IllegalStateException("/proc/stat has no ctxt line");
    }

    /** run_time_ns and run_cnt of the program, summed over every loaded program of that name. */
    private static long[] bpfStats() throws IOException, InterruptedException {
        Process bpftool = new ProcessBuilder("bpftool", "-j", "prog", "show", "name", PROGRAM)
                .redirectErrorStream(true)
                .start();
        String json = new String(bpftool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (bpftool.waitFor() != 0) {
            throw new IllegalStateException("bpftool prog show failed: " + json.strip());
        }
        return new long[] {sum(RUN_TIME.matcher(json)), sum(RUN_COUNT.matcher(json))};
    }

    private static long sum(Matcher matcher) {
        long total = 0;
        while (matcher.find()) {
            total += Long.parseLong(matcher.group(1));
        }
        return total;
    }

    private static Path compile(String resource) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("offcpu-bench");
        Path source = dir.resolve(resource);
        try (InputStream in = OffCpuBenchmark.class.getResourceAsStream("/bench/" + resource)) {
            Files.copy(in, source);
        }
        Path binary = dir.resolve(resource.replace(".c", ""));
        Process gcc = new ProcessBuilder("gcc", "-O2", "-o", binary.toString(), source.toString())
                .inheritIO()
                .start();
        if (gcc.waitFor() != 0) {
            throw new IllegalStateException("gcc failed on " + source);
        }
        return binary;
    }
}
