package dev.ebpf.profiling.agent.bench;

import dev.ebpf.profiling.agent.bpf.BpfObject;
import dev.ebpf.profiling.agent.bpf.RunTimeStats;
import dev.ebpf.profiling.agent.cli.CliForBenchmarks;
import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import dev.ebpf.profiling.agent.sampler.BenchmarkVariant;
import dev.ebpf.profiling.agent.sampler.OnCpuSampler;
import dev.ebpf.profiling.agent.sampler.RawSlice;
import dev.ebpf.profiling.agent.sampler.Unwinding;
import dev.ebpf.profiling.agent.unwind.DwarfUnwinder;
import dev.ebpf.profiling.agent.unwind.UnwindTable;
import dev.ebpf.profiling.agent.unwind.UnwindTableBuilder;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.ProfileJson;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Frame pointers beside DWARF unwinding, in one run (docs/benchmarks.md): the time to build the
 * unwind tables of libc, libpython and libjvm; then, with xz and python3.11 busy, the on-CPU
 * program's run time per sample from the kernel's bpf_stats in each mode, and the unwinder's
 * memory. Run as root:
 *
 * <pre>
 * scripts/bench-unwind.sh
 * </pre>
 *
 * (surefire runs {@link #benchmark()} when {@code -Dunwind.benchmark=true}; the class name keeps it
 * out of the normal test run).
 */
@org.junit.jupiter.api.Tag(dev.ebpf.profiling.agent.testsupport.TestTags.BPF)
public final class UnwindBenchmark {

    private static final int HZ = 99;
    private static final int ROUNDS = 3;
    private static final long ROUND_MILLIS = 5_000;
    private static final int PROGRAM_ROUNDS = 2;
    private static final long WARM_UP_MILLIS = 5_000;
    /** How long the agent and perf each profile xz for the CPU comparison. */
    private static final int COMPARE_SECONDS = 15;

    /** The entry point under surefire. */
    @org.junit.jupiter.api.Test
    @org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "unwind.benchmark", matches = "true")
    void benchmark() throws Exception {
        dev.ebpf.profiling.agent.testsupport.RequiresRoot.assumeBpf();
        main(new String[0]);
    }

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
            for (int round = 0; round < ROUNDS; round++) {
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
                            + " build first %.0f ms, best of 3 %.0f ms%n",
                    file,
                    Files.size(path),
                    table.fdes(),
                    table.rows().size(),
                    table.unsupported(),
                    table.kernelBytes() / 1048576.0,
                    first / 1e6,
                    best / 1e6);
        }
        Process xz = new ProcessBuilder("xz", "-9", "-T1", "-c", "/dev/urandom")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        Process python = new ProcessBuilder(
                        "/usr/bin/python3.11",
                        "-c",
                        "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nwhile True:\n    fib(25)\n")
                .start();
        Path cgroup = dev.ebpf.profiling.agent.cgroup.CgroupMount.findUnified()
                .directory()
                .resolve("unwind-bench-" + ProcessHandle.current().pid());
        try {
            List<Integer> cpus = OnlineCpus.read().cpus();
            // The variants take turns, a short round each, so that the machine's load (other
            // engineers' builds) weighs on them alike; the floor is a filter that admits nothing,
            // so each run only enters, reads its cgroup and leaves.
            java.util.Map<String, long[]> totals = new java.util.LinkedHashMap<>();
            RunTimeStats stats = RunTimeStats.enable();
            try {
                for (int round = 0; round < PROGRAM_ROUNDS; round++) {
                    programCost(
                            "floor (filter admits nothing)",
                            OnCpuSampler.Settings.onlyCgroups(cpus, HZ, Set.of()),
                            false,
                            totals);
                    for (Unwinding unwinding : List.of(Unwinding.FRAME_POINTERS, Unwinding.DWARF)) {
                        for (boolean kernelStackInUserMode : List.of(true, false)) {
                            programCost(
                                    unwinding.label()
                                            + (kernelStackInUserMode
                                                    ? ", kernel stack always (before)"
                                                    : ", kernel stack only for kernel-mode samples (after)"),
                                    OnCpuSampler.Settings.of(cpus, HZ, Set.of()).withUnwinding(unwinding),
                                    kernelStackInUserMode,
                                    totals);
                        }
                    }
                }
            } finally {
                stats.close();
            }
            totals.forEach((label, sums) -> System.out.printf(
                    Locale.ROOT,
                    "TOTAL %s: %d runs, %.2f us per run; rounds from %.2f to %.2f us%n",
                    label,
                    sums[1],
                    sums[1] == 0 ? 0 : sums[0] / 1000.0 / sums[1],
                    sums[2] / 1000.0,
                    sums[3] / 1000.0));
            python.destroyForcibly();
            // The agent's CPU beside perf's, on xz alone in a cgroup of its own.
            Files.createDirectory(cgroup);
            Files.writeString(cgroup.resolve("cgroup.procs"), Long.toString(xz.pid()));
            agentCpu("dwarf", cgroup);
            agentCpu("fp", cgroup);
            perfCpu(List.of("--call-graph", "dwarf"), xz.pid());
            perfCpu(List.of("-g"), xz.pid());
        } finally {
            xz.destroyForcibly();
            python.destroyForcibly();
            xz.waitFor();
            if (Files.isDirectory(cgroup)) {
                Files.delete(cgroup); // a cgroup directory goes by rmdir once empty
            }
        }
    }

    /** The on-CPU program's run time per sample over one round, after a warm-up (DWARF: tables built). */
    private static void programCost(
            String label,
            OnCpuSampler.Settings settings,
            boolean kernelStackInUserMode,
            java.util.Map<String, long[]> totals)
            throws Exception {
        try (OnCpuSampler sampler =
                OnCpuSampler.start(settings, new BenchmarkVariant(kernelStackInUserMode, 0, 0, 0, false, false))) {
            Thread.sleep(settings.unwinding() == Unwinding.DWARF ? WARM_UP_MILLIS : 1_000);
            sampler.cut();
            BpfObject.ProgramStats before = sampler.programStats();
            Thread.sleep(ROUND_MILLIS);
            BpfObject.ProgramStats ran = sampler.programStats().minus(before);
            RawSlice slice = sampler.cut();
            long runs = ran.runCount();
            long nanos = ran.runTimeNanos();
            long perRun = runs == 0 ? 0 : nanos / runs;
            long[] sums = totals.computeIfAbsent(label, k -> new long[] {0, 0, Long.MAX_VALUE, 0});
            sums[0] += nanos;
            sums[1] += runs;
            sums[2] = Math.min(sums[2], perRun);
            sums[3] = Math.max(sums[3], perRun);
            System.out.printf(
                    Locale.ROOT,
                    "%s: %d program runs, %.2f us per run (bpf_stats), %d samples counted, %d user stacks lost%n",
                    label,
                    runs,
                    perRun / 1000.0,
                    slice.counters().samples(),
                    slice.counters().lost().userStackFailed());
            if (sampler.unwinderStats().isPresent()) {
                DwarfUnwinder.Stats stats = sampler.unwinderStats().get();
                System.out.printf(
                        Locale.ROOT,
                        "  processes loaded %d (%d loads), %d bytes of kernel memory each; files %d, rows %d"
                                + " (%.1f MiB), %d files freed; kernel counters %s%n",
                        stats.processes(),
                        stats.processLoads(),
                        stats.bytesPerProcess(),
                        stats.files().files(),
                        stats.files().rowsUsed(),
                        stats.files().rowBytes() / 1048576.0,
                        stats.files().filesFreed(),
                        java.util.Arrays.toString(stats.kernelCounters()));
            }
        }
    }

    /** This JVM's CPU time while the CLI profiles the cgroup for {@link #COMPARE_SECONDS} and writes its analysis. */
    private static void agentCpu(String unwind, Path cgroup) throws Exception {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Path output = Files.createTempFile("unwind-bench", ".json");
        try {
            long cpuBefore = os.getProcessCpuTime();
            long wallBefore = System.nanoTime();
            int exit = CliForBenchmarks.run(
                    List.of(
                            "profile",
                            "--duration",
                            COMPARE_SECONDS + "s",
                            "--frequency",
                            Integer.toString(HZ),
                            "--cgroup",
                            "/" + cgroup.getFileName(),
                            "--unwind",
                            unwind,
                            "--format",
                            "json",
                            "--output",
                            output.toString()),
                    System.out,
                    System.err);
            long cpu = os.getProcessCpuTime() - cpuBefore;
            long wall = System.nanoTime() - wallBefore;
            if (exit != 0) {
                throw new IllegalStateException("the CLI exited with " + exit);
            }
            NodeProfile profile = ProfileJson.mapper().readValue(Files.readString(output), NodeProfile.class);
            System.out.printf(
                    Locale.ROOT,
                    "agent --unwind=%s: exit %d, %.2f s CPU over %.1f s (profile and analysis), %d samples%n",
                    unwind,
                    exit,
                    cpu / 1e9,
                    wall / 1e9,
                    profile.totalSamples());
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** perf record for {@link #COMPARE_SECONDS} on the process, then perf report: their CPU time (user + system). */
    private static void perfCpu(List<String> callGraph, long pid) throws Exception {
        Path data = Files.createTempFile("unwind-bench", ".perf");
        try {
            List<String> record =
                    new java.util.ArrayList<>(List.of("perf", "record", "-q", "-F", Integer.toString(HZ)));
            record.addAll(callGraph);
            record.addAll(List.of(
                    "-p", Long.toString(pid), "-o", data.toString(), "--", "sleep", Integer.toString(COMPARE_SECONDS)));
            double recordCpu = timed(record, null);
            long bytes = Files.size(data);
            Path report = Files.createTempFile("unwind-bench", ".txt");
            double reportCpu = timed(List.of("perf", "report", "--stdio", "-i", data.toString()), report);
            String samples = Files.readAllLines(report).stream()
                    .filter(line -> line.startsWith("# Samples:"))
                    .findFirst()
                    .orElse("# Samples: ?");
            Files.deleteIfExists(report);
            System.out.printf(
                    Locale.ROOT,
                    "perf record %s: %.2f s CPU (%.1f MiB of data), perf report: %.2f s CPU; %s%n",
                    String.join(" ", callGraph),
                    recordCpu,
                    bytes / 1048576.0,
                    reportCpu,
                    samples.substring(2));
        } finally {
            Files.deleteIfExists(data);
        }
    }

    /** The user + system CPU seconds of a command and its children, from GNU time. */
    private static double timed(List<String> command, Path output) throws Exception {
        Path times = Files.createTempFile("unwind-bench", ".time");
        try {
            List<String> wrapped =
                    new java.util.ArrayList<>(List.of("/usr/bin/time", "-o", times.toString(), "-f", "%U %S"));
            wrapped.addAll(command);
            ProcessBuilder builder = new ProcessBuilder(wrapped).redirectError(ProcessBuilder.Redirect.DISCARD);
            builder.redirectOutput(
                    output == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(output.toFile()));
            builder.start().waitFor();
            String[] fields = Files.readAllLines(times).getLast().trim().split("\\s+");
            return Double.parseDouble(fields[0]) + Double.parseDouble(fields[1]);
        } finally {
            Files.deleteIfExists(times);
        }
    }
}
