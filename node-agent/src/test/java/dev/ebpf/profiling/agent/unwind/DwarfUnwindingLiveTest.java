package dev.ebpf.profiling.agent.unwind;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import dev.ebpf.profiling.agent.sampler.OnCpuSampler;
import dev.ebpf.profiling.agent.sampler.RawSlice;
import dev.ebpf.profiling.agent.sampler.SampleKey;
import dev.ebpf.profiling.agent.sampler.Unwinding;
import dev.ebpf.profiling.agent.symbolize.KernelSymbols;
import dev.ebpf.profiling.agent.symbolize.MemoryMapping;
import dev.ebpf.profiling.agent.symbolize.ProcessMaps;
import dev.ebpf.profiling.agent.symbolize.StackSample;
import dev.ebpf.profiling.agent.symbolize.SymbolizedStack;
import dev.ebpf.profiling.agent.symbolize.Symbolizer;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.agent.testsupport.TestTags;
import dev.ebpf.profiling.api.profile.Frame;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The DWARF unwinder in the real program on stock Debian binaries built without frame pointers:
 * their stacks reach main (through __libc_start_main), where frame pointers stop after a frame or
 * two, and their frames are the ones {@code perf record --call-graph dwarf} finds on the same run.
 */
@Tag(TestTags.BPF)
class DwarfUnwindingLiveTest {

    private static final int HZ = 99;
    private static final long RUN_MILLIS = 3000;
    /**
     * Samples each workload is watched for. With 200 samples and a true share of 97% reaching main,
     * the measured share falls under 90% with odds below 1e-4 (binomial, sd 1.2%), so a pass or
     * failure is the unwinder's, not sampling noise.
     */
    private static final long MIN_SAMPLES = 200;

    @BeforeEach
    void bpfAvailable() {
        RequiresRoot.assumeBpf();
    }

    /** Stock programs, each kept busy in its own code for the run. */
    @SuppressWarnings("ImmutableEnumChecker") // command is a List.of(...): unmodifiable
    enum Workload {
        XZ("/usr/bin/xz", "xz", "-9", "-T1", "-c", "/dev/urandom"),
        OPENSSL("/usr/bin/openssl", "openssl", "speed", "-seconds", "30", "sha256"),
        PYTHON(
                "/usr/bin/python3.11",
                "/usr/bin/python3.11",
                "-c",
                "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nwhile True:\n    fib(25)\n");

        final Path binary;
        final List<String> command;

        Workload(String binary, String... command) {
            this.binary = Path.of(binary);
            this.command = List.of(command);
        }

        Process start() throws Exception {
            return new ProcessBuilder(command)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        }
    }

    /**
     * What the sampler saw of one process: its stacks symbolized, and each stack's callers (every
     * frame but the leaf, whose pc differs from sample to sample) as "module+file offset" of the
     * call (the return address less one), the way {@code perf script -F ip,dso} prints them, with
     * their sample counts.
     */
    record Seen(int pid, List<SymbolizedStack> stacks, long samples, Map<List<String>, Long> callers) {

        long samplesReaching(String function) {
            return stacks.stream()
                    .filter(stack -> names(stack).contains(function))
                    .mapToLong(SymbolizedStack::count)
                    .sum();
        }

        static List<String> names(SymbolizedStack stack) {
            return stack.frames().stream().map(Frame::function).toList();
        }
    }

    /** perf record --call-graph dwarf on the same process as the sampler, over the same time. */
    record PerfRun(Process perf, Path data) {

        /** Each sample's callers (every frame but the leaf) as module+file offset, with counts. */
        Map<List<String>, Long> callers() throws Exception {
            perf.destroy(); // SIGTERM: perf record stops and writes its data
            assertThat(perf.waitFor(60, TimeUnit.SECONDS)).isTrue();
            Path text = Files.createTempFile("perf-script", ".txt");
            try {
                Process script = new ProcessBuilder(
                                "perf", "script", "--no-inline", "-i", data.toString(), "-F", "ip,dso")
                        .redirectOutput(text.toFile())
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .start();
                assertThat(script.waitFor(120, TimeUnit.SECONDS)).isTrue();
                Map<List<String>, Long> callers = new HashMap<>();
                List<String> frames = new ArrayList<>();
                for (String line : Files.readAllLines(text)) {
                    String[] fields = line.trim().split("\\s+");
                    if (line.isBlank()) {
                        if (!frames.isEmpty()) {
                            callers.merge(List.copyOf(frames.subList(1, frames.size())), 1L, Long::sum);
                        }
                        frames.clear();
                    } else if (fields.length == 2 && !fields[1].startsWith("[kernel")) {
                        // The user part only: the kernel's frames of a sample taken in a system call go.
                        String dso = fields[1].substring(1, fields[1].length() - 1);
                        frames.add(dso.substring(dso.lastIndexOf('/') + 1) + "+" + fields[0]);
                    }
                }
                return callers;
            } finally {
                Files.deleteIfExists(text);
                Files.deleteIfExists(data);
            }
        }
    }

    private static final Map<Long, PerfRun> perfRuns = new HashMap<>();

    static Seen sample(Unwinding unwinding, Workload workload) throws Exception {
        Symbolizer symbolizer = new Symbolizer(KernelSymbols.load());
        try (OnCpuSampler sampler = OnCpuSampler.start(
                OnCpuSampler.Settings.of(OnlineCpus.read().cpus(), HZ, Set.of()).withUnwinding(unwinding))) {
            Process process = workload.start();
            try {
                awaitTablesCovering(sampler, workload, (int) process.pid());
                Path perfData = Files.createTempFile("perf-dwarf", ".data");
                Process perf = new ProcessBuilder(
                                "perf",
                                "record",
                                "-q",
                                "--call-graph",
                                "dwarf",
                                "-F",
                                Integer.toString(HZ),
                                "-p",
                                Long.toString(process.pid()),
                                "-o",
                                perfData.toString())
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .start();
                perfRuns.put(process.pid(), new PerfRun(perf, perfData));
                sampler.cut();
                // At least MIN_SAMPLES of it, however busy the machine (within a minute).
                List<RawSlice> slices = new ArrayList<>();
                long samples = 0;
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (samples < MIN_SAMPLES && System.nanoTime() < deadline) {
                    Thread.sleep(RUN_MILLIS);
                    RawSlice slice = sampler.cut();
                    slices.add(slice);
                    samples += samplesOf(slice, (int) process.pid());
                }
                ProcessMaps maps = ProcessMaps.read(Path.of("/proc", Long.toString(process.pid()), "maps"));
                return seen(symbolizer, slices, (int) process.pid(), maps);
            } finally {
                process.destroyForcibly().waitFor();
            }
        }
    }

    /**
     * Until the agent's entry for the process holds every executable mapping it has, the same on
     * two looks an idle poll apart (the dynamic loader may still be mapping libraries). Its first
     * samples walk frame pointers while its tables are built, and a process sampled while still
     * starting is read again once a pc falls outside what was read (docs/unwinding.md): how long
     * that takes depends on how busy the machine is, so the samples are measured from then on.
     */
    static void awaitTablesCovering(OnCpuSampler sampler, Workload workload, int pid) throws Exception {
        if (sampler.unwinder().isEmpty()) {
            return;
        }
        DwarfUnwinder unwinder = sampler.unwinder().get();
        Path maps = Path.of("/proc", Integer.toString(pid), "maps");
        String binary = workload.binary.toRealPath().toString();
        List<MemoryMapping> before = List.of();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            List<MemoryMapping> now = ProcessMaps.read(maps).mappings();
            boolean execed = now.stream().anyMatch(mapping -> mapping.filePath().equals(binary));
            if (execed && now.equals(before) && unwinder.covers(pid, now)) {
                return;
            }
            before = now;
            Thread.sleep(DwarfUnwinder.IDLE_POLL_MILLIS);
        }
        throw new AssertionError("the agent's entry for " + workload + " did not cover its mappings within a minute");
    }

    static long samplesOf(RawSlice slice, int pid) {
        return slice.counts().entrySet().stream()
                .filter(entry -> entry.getKey().tgid() == pid)
                .mapToLong(Map.Entry::getValue)
                .sum();
    }

    static Seen seen(Symbolizer symbolizer, List<RawSlice> slices, int pid, ProcessMaps maps) {
        List<StackSample> samples = new ArrayList<>();
        Map<List<String>, Long> callers = new HashMap<>();
        long total = 0;
        for (RawSlice slice : slices) {
            for (Map.Entry<SampleKey, Long> entry : slice.counts().entrySet()) {
                SampleKey key = entry.getKey();
                if (key.tgid() != pid) {
                    continue;
                }
                total += entry.getValue();
                long[] user = slice.stacks().getOrDefault(key.userStackId(), new long[0]);
                samples.add(new StackSample(pid, "app", user, new long[0], entry.getValue()));
                List<String> chain = new ArrayList<>();
                for (int i = 1; i < user.length; i++) {
                    MemoryMapping mapping = maps.find(user[i]);
                    chain.add(
                            mapping == null
                                    ? "?"
                                    // perf prints a return address less one: the call instruction's last byte.
                                    : mapping.moduleName() + "+" + Long.toHexString(mapping.fileOffsetOf(user[i]) - 1));
                }
                callers.merge(chain, entry.getValue(), Long::sum);
            }
        }
        return new Seen(pid, symbolizer.snapshot(List.of(pid)).symbolize(samples), total, callers);
    }

    /**
     * JIT code keeps working: a JVM (no Python 3.12 with -X perf in Debian 12, so the JVM stands for
     * interpreters that write a perf map) with frame pointers in its compiled code and a perf map
     * written while it runs: most of its samples name its Java method, and stacks continue from
     * the JIT frames (frame pointers) into libjvm (tables).
     */
    @org.junit.jupiter.api.Test
    void jitCodeWithAPerfMapIsNamedAndUnwoundThrough() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Path source = Files.createTempFile("JitSpin", ".java");
        Files.writeString(source, """
                public class JitSpin {
                    static long spinHere(long x) {
                        for (int i = 0; i < 1000; i++) { x = x * 6364136223846793005L + 1442695040888963407L; }
                        return x;
                    }
                    public static void main(String[] args) {
                        long x = 1;
                        while (true) { x = spinHere(x); if (x == 42) System.out.println(x); }
                    }
                }
                """);
        Symbolizer symbolizer = new Symbolizer(KernelSymbols.load());
        Process jvm = new ProcessBuilder(
                        java.toString(), "-XX:+PreserveFramePointer", "-XX:+UseSerialGC", source.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try (OnCpuSampler sampler = OnCpuSampler.start(
                OnCpuSampler.Settings.of(OnlineCpus.read().cpus(), HZ, Set.of()).withUnwinding(Unwinding.DWARF))) {
            // Compiling the source and JIT-compiling the loop take a while on a busy machine.
            Thread.sleep(8000);
            Process map = new ProcessBuilder(jcmd.toString(), Long.toString(jvm.pid()), "Compiler.perfmap")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            assertThat(map.waitFor(60, TimeUnit.SECONDS)).isTrue();
            sampler.cut();
            List<RawSlice> slices = new ArrayList<>();
            long samples = 0;
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (samples < MIN_SAMPLES && System.nanoTime() < deadline) {
                Thread.sleep(RUN_MILLIS);
                RawSlice slice = sampler.cut();
                slices.add(slice);
                samples += samplesOf(slice, (int) jvm.pid());
            }
            ProcessMaps maps = ProcessMaps.read(Path.of("/proc", Long.toString(jvm.pid()), "maps"));
            Seen seen = seen(symbolizer, slices, (int) jvm.pid(), maps);
            long named = seen.stacks().stream()
                    .filter(stack -> Seen.names(stack).stream().anyMatch(name -> name.contains("JitSpin")))
                    .mapToLong(SymbolizedStack::count)
                    .sum();
            long throughJvm = seen.stacks().stream()
                    .filter(stack -> Seen.names(stack).stream().anyMatch(name -> name.contains("JitSpin"))
                            && stack.frames().stream().anyMatch(frame -> "libjvm.so".equals(frame.module())))
                    .mapToLong(SymbolizedStack::count)
                    .sum();
            String hottest = seen.stacks().stream()
                    .sorted((a, b) -> Long.compare(b.count(), a.count()))
                    .limit(3)
                    .map(stack -> stack.count() + " " + String.join(" <- ", Seen.names(stack)))
                    .collect(Collectors.joining("\n"));
            assertThat(seen.samples()).isGreaterThanOrEqualTo(MIN_SAMPLES);
            assertThat((double) named / seen.samples())
                    .as("share of samples naming the JIT-compiled method; hottest:\n%s", hottest)
                    .isGreaterThan(0.5);
            assertThat(throughJvm)
                    .as("stacks from the JIT frames on into libjvm; hottest:\n%s", hottest)
                    .isPositive();
        } finally {
            jvm.destroyForcibly().waitFor();
            Files.deleteIfExists(source);
        }
    }

    static List<List<String>> hottest(Map<List<String>, Long> chains, int count) {
        return chains.entrySet().stream()
                .sorted(Map.Entry.<List<String>, Long>comparingByValue().reversed())
                .limit(count)
                .map(Map.Entry::getKey)
                .toList();
    }

    @ParameterizedTest
    @EnumSource(Workload.class)
    void stacksOfStockBinariesReachMain(Workload workload) throws Exception {
        RequiresRoot.require(Files.isExecutable(workload.binary), workload.binary + " is not installed");
        Seen seen = sample(Unwinding.DWARF, workload);
        String hottest = seen.stacks().stream()
                .sorted((a, b) -> Long.compare(b.count(), a.count()))
                .limit(3)
                .map(stack -> stack.count() + " " + String.join(" <- ", Seen.names(stack)))
                .collect(Collectors.joining("\n"));
        assertThat(seen.samples()).as("samples of %s", workload).isGreaterThanOrEqualTo(MIN_SAMPLES);
        double reaching = (double) seen.samplesReaching("__libc_start_main") / seen.samples();
        // The callers as raw module+offset too: a stack the unwinder cut short, or a frame the
        // symbolizer failed to name, tell apart there.
        assertThat(reaching)
                .as(
                        "share of %s samples whose stack reaches __libc_start_main; hottest:\n%s\ntheir callers:\n%s",
                        workload, hottest, hottest(seen.callers(), 3))
                .isGreaterThanOrEqualTo(0.9);

        // The same callers, frame for frame, as perf's own DWARF unwinding of the same run: the
        // agent's three hottest caller chains are among perf's, and perf's hottest among the agent's.
        Map<List<String>, Long> perf = perfRuns.remove((long) seen.pid()).callers();
        assertThat(perf).as("perf samples of %s", workload).isNotEmpty();
        for (List<String> chain : hottest(seen.callers(), 3)) {
            assertThat(perf.keySet()).as("perf's caller chains of %s", workload).contains(chain);
        }
        assertThat(seen.callers().keySet())
                .as("the agent's caller chains of %s", workload)
                .contains(hottest(perf, 1).getFirst());
    }
}
