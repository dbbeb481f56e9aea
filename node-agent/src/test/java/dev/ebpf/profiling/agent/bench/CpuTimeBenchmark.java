package dev.ebpf.profiling.agent.bench;

import dev.ebpf.profiling.agent.bpf.BpfObject;
import dev.ebpf.profiling.agent.cgroup.CgroupResolver;
import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import dev.ebpf.profiling.agent.profile.SliceAnalyzer;
import dev.ebpf.profiling.agent.sampler.CpuTimeSampler;
import dev.ebpf.profiling.agent.sampler.OnCpuSampler;
import dev.ebpf.profiling.agent.sampler.RawCpuTimeSlice;
import dev.ebpf.profiling.agent.sampler.RawSlice;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What exact CPU time costs (issue 13 item 6) at about 20,000 context switches a second: two
 * agents side by side in one run, each doing what {@code node-agent profile} does node-wide
 * (on-CPU sampling at 99 Hz, analysed in 10 s slices), one with the CPU time program
 * (cputime.bpf.c on sched_switch, plus its flush at each cut) and one without. Prints each
 * agent's CPU (% of one core, utime + stime of the whole JVM over the measured window), the
 * machine's context switches per second, and the CPU time program's run count and run time
 * (its fdinfo, with {@code kernel.bpf_stats_enabled=1} for the run; the setting is put back).
 *
 * <p>The load: {@code bench/pingpong.c}, two processes passing a byte over two pipes, paced to
 * 10,000 round trips a second (each round trip is two switches at least).
 *
 * <p>Run as root with {@code java --enable-native-access=ALL-UNNAMED -cp <test class path>
 * dev.ebpf.profiling.agent.bench.CpuTimeBenchmark [SECONDS]}.
 */
public final class CpuTimeBenchmark {

    private static final int ROUND_TRIPS_PER_SECOND = 10_000;
    private static final Duration WARMUP = Duration.ofSeconds(20);
    private static final int DEFAULT_SECONDS = 60;
    private static final Duration SLICE = Duration.ofSeconds(10);
    private static final long TICKS_PER_SECOND = 100; // USER_HZ
    private static final Path BPF_STATS = Path.of("/proc/sys/kernel/bpf_stats_enabled");
    /** The agent launcher's JVM flags (bin/node-agent), so the figures are the agent's. */
    private static final List<String> AGENT_JVM_FLAGS = List.of(
            "-XX:+UseSerialGC", "-Xms16m", "-Xmx96m", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED");

    private static final List<String> MODES = List.of("exact", "samples");

    private CpuTimeBenchmark() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("agent")) {
            agent(args[1].equals("exact"), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            return;
        }
        int measured = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_SECONDS;
        Path dir = Files.createTempDirectory("cpu-time-bench");
        String statsBefore = Files.readString(BPF_STATS).strip();
        Files.writeString(BPF_STATS, "1");
        List<Process> agents = new ArrayList<>();
        Process load = null;
        try {
            load = new ProcessBuilder(compile(dir, "pingpong.c").toString(), Integer.toString(ROUND_TRIPS_PER_SECOND))
                    .start();
            for (String mode : MODES) {
                List<String> command = new ArrayList<>();
                command.add(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString());
                command.addAll(AGENT_JVM_FLAGS);
                command.addAll(List.of(
                        "-cp",
                        System.getProperty("java.class.path"),
                        CpuTimeBenchmark.class.getName(),
                        "agent",
                        mode,
                        Long.toString(WARMUP.toSeconds()),
                        Integer.toString(measured)));
                agents.add(new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve(mode + ".log").toFile())
                        .start());
            }
            Thread.sleep(WARMUP);
            long[] ticksBefore = new long[agents.size()];
            for (int i = 0; i < agents.size(); i++) {
                ticksBefore[i] = cpuTicks(agents.get(i).pid());
            }
            long switchesBefore = contextSwitches();
            long before = System.nanoTime();
            Thread.sleep(Duration.ofSeconds(measured));
            double seconds = (System.nanoTime() - before) / 1e9;
            long switches = contextSwitches() - switchesBefore;
            double[] cpu = new double[agents.size()];
            for (int i = 0; i < agents.size(); i++) {
                cpu[i] = 100.0 * (cpuTicks(agents.get(i).pid()) - ticksBefore[i]) / TICKS_PER_SECOND / seconds;
            }
            for (Process agent : agents) {
                agent.waitFor();
            }
            System.out.printf(
                    Locale.ROOT,
                    "%d CPUs; ping-pong at %d round trips/s; context switches %.0f/s over %.1f s (after a %d s warm-up)%n",
                    OnlineCpus.read().cpus().size(),
                    ROUND_TRIPS_PER_SECOND,
                    switches / seconds,
                    seconds,
                    WARMUP.toSeconds());
            for (int i = 0; i < agents.size(); i++) {
                System.out.printf(Locale.ROOT, "agent %-8s CPU %.2f %% of one core%n", MODES.get(i), cpu[i]);
            }
            for (String mode : MODES) {
                System.out.println("--- agent " + mode);
                System.out.print(Files.readString(dir.resolve(mode + ".log")));
            }
        } finally {
            Files.writeString(BPF_STATS, statsBefore);
            if (load != null) {
                load.descendants().forEach(ProcessHandle::destroy);
                load.destroy();
            }
            agents.forEach(Process::destroyForcibly);
        }
    }

    /**
     * One agent: node-wide on-CPU sampling at 99 Hz in 10 s slices, with or without CPU time, for
     * the warm-up and the measured window and one more slice. With CPU time it prints its program's
     * runs and run time from the first cut after the warm-up to the last.
     */
    private static void agent(boolean exact, long warmupSeconds, int measuredSeconds) throws Exception {
        SliceAnalyzer analyzer = SliceAnalyzer.forThisMachine("bench", CgroupResolver.forThisMachine(), 10, 5);
        long start = System.nanoTime();
        long slices = (warmupSeconds + measuredSeconds) / SLICE.toSeconds() + 1;
        try (OnCpuSampler sampler = OnCpuSampler.start(
                        OnCpuSampler.Settings.of(OnlineCpus.read().cpus(), 99, Set.of()));
                CpuTimeSampler cpuTime = exact ? CpuTimeSampler.start(CpuTimeSampler.Settings.of(Set.of())) : null) {
            sampler.cut();
            if (cpuTime != null) {
                cpuTime.cut();
            }
            BpfObject.ProgramStats first = null;
            long firstAt = 0;
            for (int i = 1; i <= slices; i++) {
                Thread.sleep(SLICE);
                long cutStarted = System.nanoTime();
                RawSlice slice = sampler.cut();
                RawCpuTimeSlice time = cpuTime == null ? null : cpuTime.cut();
                long cutNanos = System.nanoTime() - cutStarted;
                var profile = analyzer.analyze(slice, null, time, null).profile();
                System.out.printf(
                        Locale.ROOT,
                        "slice %d: %d samples, %s, cut %.1f ms, top: %s%n",
                        i,
                        slice.counters().samples(),
                        time == null ? "no CPU time" : time.nanos().size() + " CPU time keys",
                        cutNanos / 1e6,
                        profile.topApplications().isEmpty()
                                ? "-"
                                : profile.topApplications().getFirst().name() + " "
                                        + profile.topApplications().getFirst().cpuPercent() + " % ("
                                        + profile.cpuSource() + ")");
                if (cpuTime != null && first == null && System.nanoTime() - start >= warmupSeconds * 1_000_000_000L) {
                    first = cpuTime.switchProgramStats();
                    firstAt = System.nanoTime();
                }
            }
            if (cpuTime != null && first != null) {
                BpfObject.ProgramStats run = cpuTime.switchProgramStats().minus(first);
                double wall = (System.nanoTime() - firstAt) / 1e9;
                System.out.printf(
                        Locale.ROOT,
                        "cpu_time_switch over %.1f s: %d runs (%.0f/s), %.0f ns per run, %.2f %% of one CPU%n",
                        wall,
                        run.runCount(),
                        run.runCount() / wall,
                        run.nanosPerRun(),
                        run.runTimeNanos() / 1e9 / wall * 100);
            }
        }
    }

    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
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

    private static Path compile(Path dir, String resource) throws IOException, InterruptedException {
        Path source = dir.resolve(resource);
        try (InputStream in = CpuTimeBenchmark.class.getResourceAsStream("/bench/" + resource)) {
            Files.copy(in, source);
        }
        Path binary = dir.resolve(resource.replace(".c", ""));
        if (new ProcessBuilder("gcc", "-O2", "-o", binary.toString(), source.toString())
                        .inheritIO()
                        .start()
                        .waitFor()
                != 0) {
            throw new IllegalStateException("gcc failed on " + source);
        }
        return binary;
    }
}
