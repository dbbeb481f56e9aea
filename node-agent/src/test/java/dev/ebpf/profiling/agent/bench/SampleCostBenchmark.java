package dev.ebpf.profiling.agent.bench;

import static dev.ebpf.profiling.bpf.BpfContract.BENCH_READ_AT_SP;
import static dev.ebpf.profiling.bpf.BpfContract.BENCH_READ_AT_STACK_PAGES;
import static dev.ebpf.profiling.bpf.BpfContract.BENCH_READ_AT_UNMAPPED;
import static dev.ebpf.profiling.bpf.BpfContract.BENCH_STOP_AFTER_CGROUP;
import static dev.ebpf.profiling.bpf.BpfContract.BENCH_STOP_AFTER_COMM;
import static dev.ebpf.profiling.bpf.BpfContract.BENCH_STOP_AFTER_COUNTER;
import static dev.ebpf.profiling.bpf.BpfContract.BENCH_STOP_AFTER_KERNEL_STACK;
import static dev.ebpf.profiling.bpf.BpfContract.BENCH_STOP_AFTER_USER_STACK;
import static dev.ebpf.profiling.bpf.BpfContract.BENCH_STOP_AT_ENTRY;
import static dev.ebpf.profiling.bpf.BpfContract.BENCH_STOP_BEFORE_STACK_STORE;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_COUNTER_FAILED_READS;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_COUNTER_FP_FRAMES;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_COUNTER_STACKS;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_COUNTER_STACK_PAGES;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_COUNTER_TABLE_FRAMES;

import dev.ebpf.profiling.agent.bpf.BpfObject;
import dev.ebpf.profiling.agent.bpf.RunTimeStats;
import dev.ebpf.profiling.agent.cgroup.CgroupMount;
import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import dev.ebpf.profiling.agent.sampler.BenchmarkVariant;
import dev.ebpf.profiling.agent.sampler.OnCpuSampler;
import dev.ebpf.profiling.agent.sampler.RawSlice;
import dev.ebpf.profiling.agent.sampler.Unwinding;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where the on-CPU program's time per sample goes (issue 12, docs/benchmarks.md "DWARF unwinding,
 * third run"): benchmark variants of the program that stop after each phase, or only read user
 * memory, take turns in short rounds while xz and a python3.11 loop run, and each variant's
 * run time per sample comes from the kernel's bpf_stats. A phase's cost is the difference of
 * two variants measured side by side. Run as root: {@code scripts/bench-sample-cost.sh}.
 * {@code -Dsample.cost.together=true} runs the variants all at once instead (the fourth run; see
 * {@code programCostsTogether}), {@code -Dsample.cost.only=REGEX} picks variants by label.
 */
@org.junit.jupiter.api.Tag(dev.ebpf.profiling.agent.testsupport.TestTags.BPF)
public final class SampleCostBenchmark {

    private static final int HZ = 99;
    private static final int ROUNDS = Integer.getInteger("sample.cost.rounds", 2);
    private static final long ROUND_MILLIS = Long.getLong("sample.cost.roundMillis", 4_000);
    /** Long enough for the unwinder to load xz's and python's tables on a loaded machine. */
    private static final long DWARF_WARM_UP_MILLIS = 6_000;

    private static final long WARM_UP_MILLIS = 4_000;

    /** One variant: how the program is loaded and what it samples. */
    private record Variant(String label, Unwinding unwinding, boolean onlyWorkload, BenchmarkVariant program) {

        /** Sampling every process, or only the workload's cgroup, on these CPUs at this rate. */
        OnCpuSampler.Settings settings(List<Integer> cpus, int hz, long workloadCgroup) {
            return (onlyWorkload
                            ? OnCpuSampler.Settings.onlyCgroups(cpus, hz, Set.of(workloadCgroup))
                            : OnCpuSampler.Settings.of(cpus, hz, Set.of()))
                    .withUnwinding(unwinding);
        }
    }

    /** The entry point under surefire. */
    @org.junit.jupiter.api.Test
    @org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "sample.cost.benchmark", matches = "true")
    void benchmark() throws Exception {
        dev.ebpf.profiling.agent.testsupport.RequiresRoot.assumeBpf();
        main(new String[0]);
    }

    public static void main(String[] args) throws Exception {
        Process xz = new ProcessBuilder("xz", "-9", "-T1", "-c", "/dev/urandom")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        Process python = new ProcessBuilder(
                        "/usr/bin/python3.11",
                        "-c",
                        "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nwhile True:\n    fib(25)\n")
                .start();
        Path cgroup = CgroupMount.findUnified()
                .directory()
                .resolve("sample-cost-bench-" + ProcessHandle.current().pid());
        try {
            Files.createDirectory(cgroup);
            Files.writeString(cgroup.resolve("cgroup.procs"), Long.toString(xz.pid()));
            Files.writeString(cgroup.resolve("cgroup.procs"), Long.toString(python.pid()));
            long workload = (Long) Files.getAttribute(cgroup, "unix:ino");
            if (Boolean.getBoolean("sample.cost.together")) {
                programCostsTogether(variants(), workload);
            } else if (!Boolean.getBoolean("sample.cost.onlySlowdown")) {
                programCosts(variants(), workload);
            }
            xz.destroyForcibly();
            python.destroyForcibly();
            if (!Boolean.getBoolean("sample.cost.skipSlowdown")) {
                Slowdown.run();
            }
        } finally {
            xz.destroyForcibly();
            python.destroyForcibly();
            xz.waitFor();
            python.waitFor();
            if (Files.isDirectory(cgroup)) {
                Files.delete(cgroup); // a cgroup directory goes by rmdir once empty
            }
        }
    }

    private static List<Variant> variants() {
        Unwinding fp = Unwinding.FRAME_POINTERS;
        Unwinding dwarf = Unwinding.DWARF;
        List<Variant> variants = new ArrayList<>();
        // Everything on the machine (as the earlier runs measured): other engineers' JVMs and builds too.
        variants.add(new Variant("return at once", fp, false, BenchmarkVariant.stopAfter(BENCH_STOP_AT_ENTRY)));
        variants.add(new Variant("+ pid, cgroup id", fp, false, BenchmarkVariant.stopAfter(BENCH_STOP_AFTER_CGROUP)));
        variants.add(new Variant("+ CPU, comm", fp, false, BenchmarkVariant.stopAfter(BENCH_STOP_AFTER_COMM)));
        variants.add(new Variant("+ samples counter", fp, false, BenchmarkVariant.stopAfter(BENCH_STOP_AFTER_COUNTER)));
        variants.add(new Variant(
                "+ kernel stack (kernel-mode samples)",
                fp,
                false,
                BenchmarkVariant.stopAfter(BENCH_STOP_AFTER_KERNEL_STACK)));
        variants.add(new Variant(
                "fp: + user stack (bpf_get_stackid)",
                fp,
                false,
                BenchmarkVariant.stopAfter(BENCH_STOP_AFTER_USER_STACK)));
        variants.add(new Variant("fp: + count map (whole program)", fp, false, BenchmarkVariant.NONE));
        variants.add(new Variant(
                "dwarf: + user stack walked, not stored",
                dwarf,
                false,
                BenchmarkVariant.stopAfter(BENCH_STOP_BEFORE_STACK_STORE)));
        variants.add(new Variant(
                "dwarf: + unwound stack stored",
                dwarf,
                false,
                BenchmarkVariant.stopAfter(BENCH_STOP_AFTER_USER_STACK)));
        variants.add(new Variant("dwarf: + count map (whole program)", dwarf, false, BenchmarkVariant.NONE));
        variants.add(new Variant("dwarf, no rule cache (before)", dwarf, false, BenchmarkVariant.withoutRuleCache()));
        variants.add(new Variant("counter + 8 reads at rsp", fp, false, BenchmarkVariant.reads(8, BENCH_READ_AT_SP)));
        variants.add(new Variant(
                "counter + 8 faulting reads (unmapped)", fp, false, BenchmarkVariant.reads(8, BENCH_READ_AT_UNMAPPED)));
        // Only xz and python (the filter admits their cgroup): the workload the tests unwind.
        variants.add(new Variant(
                "workload: + samples counter", fp, true, BenchmarkVariant.stopAfter(BENCH_STOP_AFTER_COUNTER)));
        variants.add(new Variant("workload: fp whole program", fp, true, BenchmarkVariant.NONE));
        variants.add(
                new Variant("workload: fp, the kernel's walk (before)", fp, true, BenchmarkVariant.withKernelFpWalk()));
        variants.add(new Variant(
                "workload: dwarf, no rule cache (before)", dwarf, true, BenchmarkVariant.withoutRuleCache()));
        variants.add(new Variant("workload: dwarf whole program", dwarf, true, BenchmarkVariant.NONE));
        variants.add(new Variant(
                "workload: counter + 8 reads at rsp", fp, true, BenchmarkVariant.reads(8, BENCH_READ_AT_SP)));
        variants.add(new Variant(
                "workload: counter + 8 reads, one per stack page",
                fp,
                true,
                BenchmarkVariant.reads(8, BENCH_READ_AT_STACK_PAGES)));
        // -Dsample.cost.only=REGEX: only the variants whose label matches (a narrower, longer run).
        String only = System.getProperty("sample.cost.only");
        if (only != null) {
            Pattern chosen = Pattern.compile(only);
            variants.removeIf(v -> !chosen.matcher(v.label()).find());
        }
        return variants;
    }

    /**
     * Runs the variants all at once, each on perf events of its own at a slightly different rate
     * (so that their timers drift past one another instead of firing in a fixed order), and prints
     * each one's time per run over WINDOWS windows of ROUND_MILLIS. On this VM the cost of a sample
     * drifts by a factor of two or more between rounds a few seconds apart (the host's load); run
     * together, the variants share that drift, so their differences and ratios hold where the
     * variants-in-turn figures do not.
     */
    private static void programCostsTogether(List<Variant> variants, long workloadCgroup) throws Exception {
        List<Integer> cpus = OnlineCpus.read().cpus();
        int windows = Integer.getInteger("sample.cost.windows", 10);
        int[] rates = {97, 101, 103, 107, 109, 113, 127, 131};
        if (variants.size() > rates.length) {
            throw new IllegalArgumentException("at most " + rates.length + " variants at once");
        }
        List<OnCpuSampler> samplers = new ArrayList<>();
        RunTimeStats stats = RunTimeStats.enable();
        try {
            for (int i = 0; i < variants.size(); i++) {
                Variant variant = variants.get(i);
                samplers.add(OnCpuSampler.start(variant.settings(cpus, rates[i], workloadCgroup), variant.program()));
            }
            for (long waited = 0; waited < DWARF_WARM_UP_MILLIS; waited += 1_000) {
                Thread.sleep(1_000);
                for (OnCpuSampler sampler : samplers) {
                    sampler.cut();
                }
            }
            double[][] perRun = new double[variants.size()][windows];
            long[][] sums = new long[variants.size()][2];
            for (int window = 0; window < windows; window++) {
                List<BpfObject.ProgramStats> before = new ArrayList<>();
                for (OnCpuSampler sampler : samplers) {
                    before.add(sampler.programStats());
                }
                Thread.sleep(ROUND_MILLIS);
                for (int i = 0; i < samplers.size(); i++) {
                    BpfObject.ProgramStats ran = samplers.get(i).programStats().minus(before.get(i));
                    perRun[i][window] = ran.nanosPerRun() / 1000.0;
                    sums[i][0] += ran.runTimeNanos();
                    sums[i][1] += ran.runCount();
                }
                for (OnCpuSampler sampler : samplers) {
                    sampler.cut();
                }
            }
            System.out.printf(
                    Locale.ROOT, "%d variants together, %d windows of %d ms%n", variants.size(), windows, ROUND_MILLIS);
            System.out.println("| variant | rate | runs | us per run | windows (min-median-max) | per window |");
            for (int i = 0; i < variants.size(); i++) {
                double[] sorted = perRun[i].clone();
                java.util.Arrays.sort(sorted);
                StringBuilder each = new StringBuilder();
                for (double value : perRun[i]) {
                    each.append(each.isEmpty() ? "" : " ").append(String.format(Locale.ROOT, "%.1f", value));
                }
                System.out.printf(
                        Locale.ROOT,
                        "| %s | %d Hz | %d | %.2f | %.1f-%.1f-%.1f | %s |%n",
                        variants.get(i).label(),
                        rates[i],
                        sums[i][1],
                        sums[i][1] == 0 ? 0 : sums[i][0] / 1000.0 / sums[i][1],
                        sorted[0],
                        sorted[windows / 2],
                        sorted[windows - 1],
                        each);
            }
        } finally {
            for (OnCpuSampler sampler : samplers) {
                sampler.close();
            }
            stats.close();
        }
    }

    /** Runs the variants in turn, ROUNDS times, and prints each one's time per run. */
    private static void programCosts(List<Variant> variants, long workloadCgroup) throws Exception {
        List<Integer> cpus = OnlineCpus.read().cpus();
        Map<String, long[]> totals = new LinkedHashMap<>();
        // Holds bpf_stats on (another process may switch the sysctl off mid-run).
        RunTimeStats stats = RunTimeStats.enable();
        try {
            for (int round = 0; round < ROUNDS; round++) {
                for (Variant variant : variants) {
                    round(variant, variant.settings(cpus, HZ, workloadCgroup), totals);
                }
            }
        } finally {
            stats.close();
        }
        System.out.println(
                "| variant | runs | us per run | rounds | counted | frames per stack | stack pages | failed reads |");
        totals.forEach((label, sums) -> System.out.printf(
                Locale.ROOT,
                "| %s | %d | %.2f | %.2f-%.2f | %d | %s | %s | %s |%n",
                label,
                sums[1],
                sums[1] == 0 ? 0 : sums[0] / 1000.0 / sums[1],
                sums[2] / 1000.0,
                sums[3] / 1000.0,
                sums[4],
                sums[5] == 0 ? "-" : String.format(Locale.ROOT, "%.1f", (double) sums[6] / sums[5]),
                sums[5] == 0 ? "-" : String.format(Locale.ROOT, "%.2f", (double) sums[8] / sums[5]),
                sums[5] == 0 ? "-" : Long.toString(sums[7])));
    }

    private static void round(Variant variant, OnCpuSampler.Settings settings, Map<String, long[]> totals)
            throws Exception {
        try (OnCpuSampler sampler = OnCpuSampler.start(settings, variant.program())) {
            // Warm up with a cut every second, as the agent cuts slices: both slots' maps have been
            // written and drained, and the kernel reuses their freed elements. On this VM the
            // first write of freshly allocated map memory costs tens of microseconds (see
            // docs/benchmarks.md), which a round on a fresh slot would count as the program's.
            long warmUp = settings.unwinding() == Unwinding.DWARF ? DWARF_WARM_UP_MILLIS : WARM_UP_MILLIS;
            for (long waited = 0; waited < warmUp; waited += 1_000) {
                Thread.sleep(1_000);
                sampler.cut();
            }
            long[] unwindBefore = unwindCounters(sampler);
            BpfObject.ProgramStats before = sampler.programStats();
            Thread.sleep(ROUND_MILLIS);
            BpfObject.ProgramStats ran = sampler.programStats().minus(before);
            RawSlice slice = sampler.cut();
            long[] unwindAfter = unwindCounters(sampler);
            long runs = ran.runCount();
            long nanos = ran.runTimeNanos();
            long perRun = runs == 0 ? 0 : nanos / runs;
            long[] sums =
                    totals.computeIfAbsent(variant.label(), k -> new long[] {0, 0, Long.MAX_VALUE, 0, 0, 0, 0, 0, 0});
            sums[0] += nanos;
            sums[1] += runs;
            sums[2] = Math.min(sums[2], perRun);
            sums[3] = Math.max(sums[3], perRun);
            sums[4] += slice.counters().samples();
            sums[5] += unwindAfter[UNWIND_COUNTER_STACKS] - unwindBefore[UNWIND_COUNTER_STACKS];
            sums[6] += unwindAfter[UNWIND_COUNTER_TABLE_FRAMES]
                    - unwindBefore[UNWIND_COUNTER_TABLE_FRAMES]
                    + unwindAfter[UNWIND_COUNTER_FP_FRAMES]
                    - unwindBefore[UNWIND_COUNTER_FP_FRAMES];
            sums[7] += unwindAfter[UNWIND_COUNTER_FAILED_READS] - unwindBefore[UNWIND_COUNTER_FAILED_READS];
            sums[8] += unwindAfter[UNWIND_COUNTER_STACK_PAGES] - unwindBefore[UNWIND_COUNTER_STACK_PAGES];
            System.out.printf(
                    Locale.ROOT,
                    "%s: %d runs, %.2f us per run, %d samples counted, %d idle, %d filtered out; unwind counters %s%n",
                    variant.label(),
                    runs,
                    perRun / 1000.0,
                    slice.counters().samples(),
                    slice.counters().idle(),
                    slice.counters().filteredOut(),
                    java.util.Arrays.toString(diff(unwindAfter, unwindBefore)));
        }
    }

    private static long[] unwindCounters(OnCpuSampler sampler) {
        return sampler.unwinderStats()
                .map(stats -> stats.kernelCounters())
                .orElse(new long[dev.ebpf.profiling.bpf.BpfContract.UNWIND_COUNTER_COUNT]);
    }

    private static long[] diff(long[] after, long[] before) {
        long[] d = new long[after.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = after[i] - before[i];
        }
        return d;
    }
}
