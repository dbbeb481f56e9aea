package dev.ebpf.profiling.agent.bench;

import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import dev.ebpf.profiling.agent.sampler.OnCpuSampler;
import dev.ebpf.profiling.agent.sampler.RawSlice;
import dev.ebpf.profiling.agent.sampler.Unwinding;
import dev.ebpf.profiling.agent.unwind.DwarfUnwinder;
import dev.ebpf.profiling.agent.unwind.UnwindTable;
import dev.ebpf.profiling.agent.unwind.UnwindTableBuilder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Frame pointers beside DWARF unwinding, in one run (docs/benchmarks.md): the time to build the
 * unwind tables of libc, libpython and libjvm; then, with xz and python3.11 busy, the on-CPU
 * program's run time per sample from the kernel's bpf_stats in each mode, and the unwinder's
 * memory. Run as root:
 *
 * <pre>
 * mvn -B -q -pl node-agent test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.ebpf.profiling.agent.bench.UnwindBenchmark
 * </pre>
 */
public final class UnwindBenchmark {

    private static final int HZ = 99;
    private static final long MODE_MILLIS = 20_000;

    private UnwindBenchmark() {}

    public static void main(String[] args) throws Exception {
        for (String file : List.of(
                "/lib/x86_64-linux-gnu/libc.so.6",
                "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0",
                "/usr/bin/python3.11",
                "/usr/lib/jvm/temurin-25-jdk-amd64/lib/server/libjvm.so")) {
            Path path = Path.of(file);
            if (!Files.isRegularFile(path)) {
                System.out.println(file + ": not installed");
                continue;
            }
            long best = Long.MAX_VALUE;
            long first = 0;
            UnwindTable table = null;
            for (int round = 0; round < 5; round++) {
                long start = System.nanoTime();
                try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
                    table = UnwindTableBuilder.build(channel, file);
                }
                long took = System.nanoTime() - start;
                first = round == 0 ? took : first;
                best = Math.min(best, took);
            }
            System.out.printf(
                    Locale.ROOT,
                    "table %s: %d bytes of file, %d FDEs, %d rows (%d without a rule), %.1f MiB in the kernel;"
                            + " build first %.0f ms, best of 5 %.0f ms%n",
                    file,
                    Files.size(path),
                    table.fdes(),
                    table.rows().size(),
                    table.unsupported(),
                    table.kernelBytes() / 1048576.0,
                    first / 1e6,
                    best / 1e6);
        }
        run("sysctl", "-q", "kernel.bpf_stats_enabled=1");
        Process xz = new ProcessBuilder("xz", "-9", "-T1", "-c", "/dev/urandom")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        Process python = new ProcessBuilder(
                        "/usr/bin/python3.11",
                        "-c",
                        "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nwhile True:\n    fib(25)\n")
                .start();
        try {
            for (Unwinding unwinding : List.of(Unwinding.FRAME_POINTERS, Unwinding.DWARF)) {
                try (OnCpuSampler sampler = OnCpuSampler.start(
                        OnCpuSampler.Settings.of(OnlineCpus.read().cpus(), HZ, Set.of())
                                .withUnwinding(unwinding))) {
                    sampler.cut();
                    long[] before = programStats();
                    Thread.sleep(MODE_MILLIS);
                    long[] after = programStats();
                    RawSlice slice = sampler.cut();
                    long runs = after[1] - before[1];
                    System.out.printf(
                            Locale.ROOT,
                            "%s: %d program runs, %.2f us per run (bpf_stats), %d samples counted, %d user stacks"
                                    + " lost%n",
                            unwinding.label(),
                            runs,
                            runs == 0 ? 0 : (after[0] - before[0]) / 1000.0 / runs,
                            slice.counters().samples(),
                            slice.counters().lost().userStackFailed());
                    if (sampler.unwinderStats().isPresent()) {
                        DwarfUnwinder.Stats stats = sampler.unwinderStats().get();
                        System.out.printf(
                                Locale.ROOT,
                                "  processes loaded %d (%d loads), %d bytes of kernel memory each; files %d, rows %d"
                                        + " (%.1f MiB); kernel counters %s%n",
                                stats.processes(),
                                stats.processLoads(),
                                stats.bytesPerProcess(),
                                stats.files().files(),
                                stats.files().rowsUsed(),
                                stats.files().rowBytes() / 1048576.0,
                                java.util.Arrays.toString(stats.kernelCounters()));
                        stats.files().builtFiles().stream()
                                .sorted((a, b) -> Long.compare(b.rows(), a.rows()))
                                .limit(5)
                                .forEach(file -> System.out.printf(
                                        Locale.ROOT,
                                        "    %s: %d rows, built in %.0f ms%n",
                                        file.path(),
                                        file.rows(),
                                        file.buildNanos() / 1e6));
                    }
                }
            }
        } finally {
            xz.destroyForcibly();
            python.destroyForcibly();
            run("sysctl", "-q", "kernel.bpf_stats_enabled=0");
        }
    }

    /**
     * run_time_ns and run_cnt of this JVM's perf_event programs (the on-CPU sampler), from the
     * fdinfo of its own program fds: other engineers' samplers on the machine are not counted.
     */
    private static long[] programStats() throws Exception {
        long[] sums = new long[2];
        try (var fds = Files.newDirectoryStream(Path.of("/proc/self/fdinfo"))) {
            for (Path fd : fds) {
                String info;
                try {
                    info = Files.readString(fd);
                } catch (java.io.IOException e) {
                    continue;
                }
                if (!info.contains("prog_type:\t7\n")) { // BPF_PROG_TYPE_PERF_EVENT
                    continue;
                }
                Matcher time = Pattern.compile("run_time_ns:\\s+(\\d+)").matcher(info);
                Matcher count = Pattern.compile("run_cnt:\\s+(\\d+)").matcher(info);
                if (time.find() && count.find()) {
                    sums[0] += Long.parseLong(time.group(1));
                    sums[1] += Long.parseLong(count.group(1));
                }
            }
        }
        return sums;
    }

    private static void run(String... command) throws Exception {
        new ProcessBuilder(command).inheritIO().start().waitFor();
    }
}
