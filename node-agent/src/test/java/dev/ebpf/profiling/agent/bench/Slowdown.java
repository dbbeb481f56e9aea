package dev.ebpf.profiling.agent.bench;

import static dev.ebpf.profiling.bpf.BpfContract.BENCH_STOP_AT_ENTRY;

import dev.ebpf.profiling.agent.bpf.BpfObject;
import dev.ebpf.profiling.agent.bpf.RunTimeStats;
import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import dev.ebpf.profiling.agent.sampler.BenchmarkVariant;
import dev.ebpf.profiling.agent.sampler.OnCpuSampler;
import dev.ebpf.profiling.agent.sampler.Unwinding;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An independent figure for the time a sample costs, beside bpf_stats (SampleCostBenchmark): a
 * CPU-bound loop ({@code bench/spin_loop.c}) has one CPU to itself (pinned, SCHED_FIFO) and counts
 * its rounds per second while that CPU is sampled at {@link #HZ} in turn by nothing, the on-CPU
 * program returning at once (the perf event and the program's dispatch), the program with frame
 * pointers and with DWARF, and {@code perf record} without a call graph, with {@code -g} and with
 * {@code --call-graph dwarf}. The loop's lost share of a second, divided by
 * the samples in it, is what one sample cost the sampled code, whatever did the work (the interrupt,
 * the program, the kernel's walk, perf's ring buffer; not perf's own user-space process, which runs
 * on the other CPUs).
 */
final class Slowdown {

    static final int HZ = Integer.getInteger("sample.cost.slowdownHz", 4_000);
    private static final int ROUNDS = 3;
    private static final long WINDOW_MILLIS = 5_000;
    private static final long DWARF_WARM_UP_MILLIS = 5_000;

    /** One second of the loop: when it was printed and the rounds it completed. */
    private record Second(long nanos, long rounds) {}

    private Slowdown() {}

    static void run() throws Exception {
        List<Integer> all = OnlineCpus.read().cpus();
        int cpu = all.getLast();
        Path work = Files.createTempDirectory("sample-cost");
        Path loop = compile(work);
        Process spin = new ProcessBuilder("chrt", "-f", "50", "taskset", "-c", Integer.toString(cpu), loop.toString())
                .redirectErrorStream(true)
                .start();
        List<Second> seconds = new CopyOnWriteArrayList<>();
        Thread reader = Thread.ofPlatform().daemon().start(() -> read(spin.getInputStream(), seconds));
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        Map<String, long[]> bpf = new LinkedHashMap<>();
        RunTimeStats stats = RunTimeStats.enable();
        try {
            Thread.sleep(2_000);
            for (int round = 0; round < ROUNDS; round++) {
                window("nothing", seconds, rates, () -> () -> {});
                for (Unwinding unwinding : List.of(Unwinding.FRAME_POINTERS, Unwinding.DWARF)) {
                    for (BenchmarkVariant variant : unwinding == Unwinding.DWARF
                            ? List.of(BenchmarkVariant.NONE)
                            : List.of(BenchmarkVariant.stopAfter(BENCH_STOP_AT_ENTRY), BenchmarkVariant.NONE)) {
                        String label = variant.equals(BenchmarkVariant.NONE)
                                ? "program, " + unwinding.label()
                                : "program returning at once";
                        window(label, seconds, rates, () -> {
                            OnCpuSampler sampler = OnCpuSampler.start(
                                    OnCpuSampler.Settings.of(List.of(cpu), HZ, Set.of())
                                            .withUnwinding(unwinding),
                                    variant);
                            if (unwinding == Unwinding.DWARF) {
                                Thread.sleep(DWARF_WARM_UP_MILLIS);
                            }
                            BpfObject.ProgramStats before = sampler.programStats();
                            return () -> {
                                BpfObject.ProgramStats ran =
                                        sampler.programStats().minus(before);
                                long[] sums = bpf.computeIfAbsent(label, k -> new long[2]);
                                sums[0] += ran.runTimeNanos();
                                sums[1] += ran.runCount();
                                sampler.close();
                            };
                        });
                    }
                }
                for (List<String> callGraph :
                        List.<List<String>>of(List.of(), List.of("-g"), List.of("--call-graph", "dwarf"))) {
                    window(
                            "perf record " + (callGraph.isEmpty() ? "(no call graph)" : String.join(" ", callGraph)),
                            seconds,
                            rates,
                            () -> {
                                List<String> command = new ArrayList<>(List.of(
                                        "perf",
                                        "record",
                                        "-q",
                                        "-F",
                                        Integer.toString(HZ),
                                        "-C",
                                        Integer.toString(cpu)));
                                command.addAll(callGraph);
                                command.addAll(
                                        List.of("-o", work.resolve("perf.data").toString()));
                                Process perf = new ProcessBuilder(command)
                                        .redirectErrorStream(true)
                                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                                        .start();
                                Thread.sleep(1_000); // perf's start-up
                                return () -> {
                                    perf.destroy(); // SIGTERM: perf writes its file and exits
                                    perf.waitFor();
                                };
                            });
                }
            }
        } finally {
            stats.close();
            spin.destroyForcibly();
            spin.waitFor();
            reader.join(1_000);
        }
        double base = median(rates.get("nothing"));
        System.out.printf(
                Locale.ROOT, "loop on CPU %d, sampled at %d Hz; rounds per second with nothing: %.0f%n", cpu, HZ, base);
        System.out.println(
                "| sampled by | loop rounds per second (median) | time lost | per sample | bpf_stats per run |");
        rates.forEach((label, values) -> {
            double rate = median(values);
            double lost = (base - rate) / base;
            long[] sums = bpf.get(label);
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %.0f | %.2f %% | %.1f us | %s |%n",
                    label,
                    rate,
                    lost * 100,
                    lost / HZ * 1e6,
                    sums == null || sums[1] == 0
                            ? "-"
                            : String.format(Locale.ROOT, "%.1f us (%d runs)", sums[0] / 1000.0 / sums[1], sums[1]));
        });
        try (var files = Files.list(work)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(work);
    }

    /** Something that samples the loop's CPU until closed. */
    private interface Sampling {
        Closer start() throws Exception;
    }

    private interface Closer {
        void close() throws Exception;
    }

    /** The loop's seconds while {@code sampling} runs (from one second after it started). */
    private static void window(String label, List<Second> seconds, Map<String, List<Double>> rates, Sampling sampling)
            throws Exception {
        Closer closer = sampling.start();
        long from = System.nanoTime() + 1_000_000_000L;
        Thread.sleep(1_000 + WINDOW_MILLIS);
        long to = System.nanoTime();
        closer.close();
        List<Double> mine = rates.computeIfAbsent(label, k -> new ArrayList<>());
        List<Double> window = new ArrayList<>();
        for (Second second : seconds) {
            if (second.nanos() >= from + 1_000_000_000L && second.nanos() <= to) { // the whole second inside
                window.add((double) second.rounds());
            }
        }
        mine.addAll(window);
        System.out.printf(Locale.ROOT, "%s: %s%n", label, window);
    }

    private static void read(InputStream in, List<Second> seconds) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                try {
                    seconds.add(new Second(System.nanoTime(), Long.parseLong(line.strip())));
                } catch (NumberFormatException e) {
                    System.out.println("spin_loop: " + line);
                }
            }
        } catch (IOException e) {
            // the loop was stopped
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.isEmpty() ? Double.NaN : sorted.get(sorted.size() / 2);
    }

    private static Path compile(Path work) throws IOException, InterruptedException {
        Path source = work.resolve("spin_loop.c");
        try (InputStream in = Slowdown.class.getResourceAsStream("/bench/spin_loop.c")) {
            Files.copy(in, source);
        }
        Path binary = work.resolve("spin_loop");
        Process clang = new ProcessBuilder(
                        "clang", "-O2", "-fno-omit-frame-pointer", "-o", binary.toString(), source.toString())
                .inheritIO()
                .start();
        if (clang.waitFor() != 0) {
            throw new IllegalStateException("clang failed on " + source);
        }
        return binary;
    }
}
