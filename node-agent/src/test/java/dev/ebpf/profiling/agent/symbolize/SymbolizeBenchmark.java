package dev.ebpf.profiling.agent.symbolize;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Symbolization benchmark (issue 3): 10,000 distinct stacks over 200 live processes of 20
 * binaries, cold (first slice: the ELF files are read) and warm (later slices: cached).
 * Each slice is a slice-end snapshot of all 200 processes plus symbolizing every stack. As root:
 * <pre>
 * mvn -B -q -pl node-agent test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.ebpf.profiling.agent.symbolize.SymbolizeBenchmark
 * </pre>
 */
public final class SymbolizeBenchmark {

    private static final int BINARIES = 20;
    private static final int PROCESSES_PER_BINARY = 10;
    private static final int STACKS = 10_000;
    private static final int FUNCTIONS_PER_BINARY = 400;
    private static final int WARMUP_ROUNDS = 5;
    private static final int WARM_ROUNDS = 20;
    private static final long SEED = 42;

    private SymbolizeBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path directory = Files.createTempDirectory("symbolize-benchmark");
        List<Process> processes = new ArrayList<>();
        try {
            List<Path> binaries = buildBinaries(directory);
            long[] functionAddresses = functionAddresses(binaries.getFirst());
            List<Integer> pids = new ArrayList<>();
            for (Path binary : binaries) {
                for (int i = 0; i < PROCESSES_PER_BINARY; i++) {
                    Process process = new ProcessBuilder(binary.toString()).start();
                    processes.add(process);
                    pids.add(Math.toIntExact(process.pid()));
                }
            }
            List<Long> kernelAddresses = kernelTextAddresses();
            List<StackSample> samples = stacks(pids, binaries, functionAddresses, kernelAddresses);

            long kallsymsStart = System.nanoTime();
            KernelSymbols kernelSymbols = KernelSymbols.load();
            double kallsymsMs = millisSince(kallsymsStart);
            Symbolizer symbolizer = new Symbolizer(kernelSymbols);
            long coldStart = System.nanoTime();
            List<SymbolizedStack> stacks = symbolizer.snapshot(pids).symbolize(samples);
            double coldMs = millisSince(coldStart);
            long reads = symbolizer.fileReads();

            // Unmeasured rounds first, so the JIT has compiled the hot paths.
            for (int round = 0; round < WARMUP_ROUNDS; round++) {
                symbolizer.snapshot(pids).symbolize(samples);
            }
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            double[] warm = new double[WARM_ROUNDS];
            double[] warmCpu = new double[WARM_ROUNDS];
            double[] symbolizeOnly = new double[WARM_ROUNDS];
            for (int round = 0; round < WARM_ROUNDS; round++) {
                long cpuStart = threads.getCurrentThreadCpuTime();
                long start = System.nanoTime();
                SliceSymbols slice = symbolizer.snapshot(pids);
                long snapshotDone = System.nanoTime();
                stacks = slice.symbolize(samples);
                warm[round] = millisSince(start);
                warmCpu[round] = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e6;
                symbolizeOnly[round] = millisSince(snapshotDone);
            }
            Arrays.sort(warm);
            Arrays.sort(warmCpu);
            Arrays.sort(symbolizeOnly);
            long named = stacks.stream()
                    .flatMap(s -> s.frames().stream())
                    .filter(f -> !f.function().startsWith("["))
                    .count();
            long frames = stacks.stream().mapToLong(s -> s.frames().size()).sum();

            System.out.printf(
                    "stacks=%d processes=%d binaries=%d frames=%d named=%.1f%% fileReads=%d%n",
                    samples.size(), pids.size(), BINARIES, frames, named * 100.0 / frames, reads);
            System.out.printf(
                    "loading /proc/kallsyms (%d text symbols, once per agent): %.1f ms%n",
                    kernelSymbols.size(), kallsymsMs);
            System.out.printf("cold slice (snapshot + symbolize, files read): %.1f ms%n", coldMs);
            System.out.printf(
                    "warm slice (snapshot + symbolize): median %.1f ms, min %.1f ms, max %.1f ms over %d rounds%n",
                    warm[WARM_ROUNDS / 2], warm[0], warm[WARM_ROUNDS - 1], WARM_ROUNDS);
            System.out.printf(
                    "warm slice CPU time of the symbolizing thread: median %.1f ms, min %.1f ms%n",
                    warmCpu[WARM_ROUNDS / 2], warmCpu[0]);
            System.out.printf(
                    "warm symbolize only (no /proc reads): median %.1f ms, min %.1f ms%n",
                    symbolizeOnly[WARM_ROUNDS / 2], symbolizeOnly[0]);
            System.out.printf(
                    "load average while measuring: %.2f (2 CPUs shared)%n",
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        } finally {
            for (Process process : processes) {
                process.destroyForcibly();
            }
            for (Process process : processes) {
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static double millisSince(long start) {
        return (System.nanoTime() - start) / 1e6;
    }

    /** One C program with many functions, built once and copied: 20 files, 20 identities. */
    private static List<Path> buildBinaries(Path directory) throws IOException, InterruptedException {
        StringBuilder source = new StringBuilder("#include <unistd.h>\n");
        for (int i = 0; i < FUNCTIONS_PER_BINARY; i++) {
            source.append("__attribute__((noinline)) int bench_function_")
                    .append(i)
                    .append("(int x) { return x * ")
                    .append(i + 1)
                    .append(" + 7; }\n");
        }
        source.append("int main(void) { for (;;) pause(); }\n");
        Path c = Files.writeString(directory.resolve("bench.c"), source);
        Path first = directory.resolve("bench_00");
        run("gcc", "-O0", "-fno-omit-frame-pointer", "-g", "-o", first.toString(), c.toString());
        List<Path> binaries = new ArrayList<>(List.of(first));
        for (int i = 1; i < BINARIES; i++) {
            binaries.add(Files.copy(first, directory.resolve(String.format("bench_%02d", i))));
            binaries.getLast().toFile().setExecutable(true);
        }
        return binaries;
    }

    /** Link-time addresses of the bench functions, from nm. */
    private static long[] functionAddresses(Path binary) throws IOException, InterruptedException {
        return run("nm", binary.toString()).stream()
                .map(line -> line.trim().split("\\s+"))
                .filter(fields -> fields.length == 3 && fields[2].startsWith("bench_function_"))
                .mapToLong(fields -> Long.parseUnsignedLong(fields[0], 16))
                .toArray();
    }

    private static List<Long> kernelTextAddresses() throws IOException {
        return Files.readAllLines(KernelSymbols.PROC_KALLSYMS).stream()
                .map(line -> line.split("\\s+"))
                .filter(fields -> fields.length == 3 && (fields[1].equals("T") || fields[1].equals("t")))
                .map(fields -> Long.parseUnsignedLong(fields[0], 16))
                .filter(address -> address != 0)
                .toList();
    }

    /**
     * Distinct stacks of 4 to 16 user frames (bench functions, a libc frame now and then) and 0 to
     * 12 kernel frames, spread over all processes.
     */
    private static List<StackSample> stacks(
            List<Integer> pids, List<Path> binaries, long[] functions, List<Long> kernel) throws IOException {
        Random random = new Random(SEED);
        long[] loadBias = new long[pids.size()];
        long[][] libc = new long[pids.size()][];
        for (int p = 0; p < pids.size(); p++) {
            Path binary = binaries.get(p / PROCESSES_PER_BINARY);
            ProcessMaps maps = waitForExec(pids.get(p), binary);
            for (MemoryMapping mapping : maps.mappings()) {
                if (mapping.filePath().equals(binary.toString())) {
                    loadBias[p] = mapping.start() - mapping.fileOffset();
                } else if (mapping.moduleName().startsWith("libc")) {
                    libc[p] = new long[] {mapping.start(), mapping.end()};
                }
            }
        }
        Set<String> seen = new HashSet<>();
        List<StackSample> samples = new ArrayList<>(STACKS);
        while (samples.size() < STACKS) {
            int p = random.nextInt(pids.size());
            long[] user = new long[4 + random.nextInt(13)];
            for (int i = 0; i < user.length; i++) {
                boolean inLibc = i == 0 && libc[p] != null && random.nextInt(4) == 0;
                user[i] = inLibc
                        ? libc[p][0] + (long) (random.nextDouble() * (libc[p][1] - libc[p][0]))
                        : loadBias[p] + functions[random.nextInt(functions.length)] + 1 + random.nextInt(8);
            }
            long[] kernelIps = new long[random.nextInt(13)];
            for (int i = 0; i < kernelIps.length; i++) {
                kernelIps[i] = kernel.get(random.nextInt(kernel.size())) + 1 + random.nextInt(16);
            }
            if (seen.add(pids.get(p) + Arrays.toString(user) + Arrays.toString(kernelIps))) {
                samples.add(new StackSample(
                        pids.get(p), "app" + p / PROCESSES_PER_BINARY, user, kernelIps, 1 + random.nextInt(20)));
            }
        }
        return samples;
    }

    /** The process's maps once it runs the binary (right after fork it still maps java). */
    private static ProcessMaps waitForExec(int pid, Path binary) throws IOException {
        for (int attempt = 0; attempt < 500; attempt++) {
            ProcessMaps maps = ProcessMaps.read(Path.of("/proc", Integer.toString(pid), "maps"));
            if (maps.mappings().stream().anyMatch(m -> m.filePath().equals(binary.toString()))) {
                return maps;
            }
            Thread.onSpinWait();
        }
        throw new IllegalStateException("process " + pid + " never ran " + binary);
    }

    private static List<String> run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
        return output.lines().toList();
    }
}
