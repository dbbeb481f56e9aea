package dev.ebpf.profiling.agent.bench;

import dev.ebpf.profiling.agent.cgroup.CgroupResolver;
import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import dev.ebpf.profiling.agent.profile.SliceAnalyzer;
import dev.ebpf.profiling.agent.profile.SliceResult;
import dev.ebpf.profiling.agent.sampler.OnCpuSampler;
import dev.ebpf.profiling.agent.symbolize.Frames;
import dev.ebpf.profiling.agent.symbolize.MappingTracker;
import dev.ebpf.profiling.agent.symbolize.SymbolizedStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What tracking mappings costs (issue 13 item 1) on a machine that starts about 200 short
 * processes a second: two agents side by side in one run, profiling the whole node at 99 Hz in
 * 10 s slices (what {@code node-agent profile} does, without the output), one with
 * {@link SliceAnalyzer#trackMappings()} and one without. Prints each agent's CPU (% of one core)
 * and resident memory in the steady state (after a warm-up), the kernel's records per second the
 * tracker read, and the share of samples that print {@code [exited]} in each.
 *
 * <p>The load: a C program that posix_spawns, 200 times a second, one of {@code true}, {@code ls
 * /}, {@code cat /dev/null}, {@code id} and {@code date} (Debian's), reaping them as they exit. It
 * spawns from 8 forked workers, SCHED_FIFO, so that a loaded machine's slow spawns do not cap
 * the rate, and prints the rate it reached.
 *
 * <p>Run as root: {@code mvn -pl node-agent test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.ebpf.profiling.agent.bench.MappingTrackingBenchmark [-Dexec.args="SECONDS"]}
 * (after {@code mvn install} of api and bpf), or with {@code java -cp} on the test classpath.
 */
public final class MappingTrackingBenchmark {

    static final int PROCESSES_PER_SECOND = 200;
    /** The spawner's real-time priority (chrt -f), so that it reaches its rate on a busy machine. */
    private static final String SPAWNER_PRIORITY = "10";

    private static final Duration WARMUP = Duration.ofSeconds(30);
    private static final int DEFAULT_SECONDS = 60;
    private static final long TICKS_PER_SECOND = 100; // USER_HZ
    private static final Duration SLICE = Duration.ofSeconds(10);
    /** The agent launcher's JVM flags (bin/node-agent), so the figures are the agent's. */
    private static final List<String> AGENT_JVM_FLAGS = List.of(
            "-XX:+UseSerialGC", "-Xms16m", "-Xmx96m", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED");

    /**
     * Spawns RATE processes a second for SECONDS, in WORKERS forked workers each paced to its share
     * on an absolute clock (a worker that fell behind catches up), so that the slow posix_spawn of a
     * loaded machine (the child must be scheduled to exec before the call returns) does not cap the
     * rate; prints how many it spawned and the rate it reached.
     */
    private static final String SPAWNER = """
            #include <spawn.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <sys/mman.h>
            #include <sys/wait.h>
            #include <time.h>
            #include <unistd.h>
            extern char **environ;
            static double since(struct timespec start) {
                struct timespec now;
                clock_gettime(CLOCK_MONOTONIC, &now);
                return now.tv_sec - start.tv_sec + (now.tv_nsec - start.tv_nsec) / 1e9;
            }
            int main(int argc, char **argv) {
                int rate = atoi(argv[1]);
                double seconds = atof(argv[2]);
                int workers = argc > 3 ? atoi(argv[3]) : 8;
                long *spawned = mmap(0, sizeof(long), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
                char *commands[][3] = {{"/bin/true", 0, 0}, {"/bin/ls", "/", 0}, {"/bin/cat", "/dev/null", 0},
                                       {"/usr/bin/id", 0, 0}, {"/bin/date", 0, 0}};
                struct timespec start;
                clock_gettime(CLOCK_MONOTONIC, &start);
                for (int w = 0; w < workers; w++) {
                    if (fork() != 0) continue;
                    posix_spawn_file_actions_t quiet;
                    posix_spawn_file_actions_init(&quiet);
                    posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", 1, 0);
                    long period = 1000000000L / rate * workers;
                    struct timespec next = start;
                    next.tv_nsec += period * w / workers; /* workers take turns */
                    for (long i = w;; i += workers) {
                        if (since(start) >= seconds) break;
                        pid_t pid;
                        /* Mostly true (the cheapest), so a busy machine still reaches the rate. */
                        int c = i % 10 < 6 ? 0 : 1 + i % 4;
                        if (posix_spawn(&pid, commands[c][0], &quiet, 0, commands[c], environ) == 0)
                            __atomic_add_fetch(spawned, 1, __ATOMIC_RELAXED);
                        while (waitpid(-1, 0, WNOHANG) > 0) {}
                        next.tv_nsec += period;
                        while (next.tv_nsec >= 1000000000L) { next.tv_sec++; next.tv_nsec -= 1000000000L; }
                        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, 0);
                    }
                    while (wait(0) > 0) {}
                    _exit(0);
                }
                while (wait(0) > 0) {}
                double took = since(start);
                printf("%ld spawned in %.1f s: %.1f/s by %d workers\\n", *spawned, took, *spawned / took, workers);
                return 0;
            }
            """;

    private static final List<String> MODES = List.of("track", "track-poll", "off");
    private static final List<String> DESCRIPTIONS = List.of(
            "tracking, reader woken by each record",
            "tracking, reader polls every " + MappingTrackingBenchmark.PERIODIC_POLL_MILLIS + " ms",
            "without tracking");
    private static final int PERIODIC_POLL_MILLIS = 50;
    private static final String PERIODIC_POLL_PROPERTY = "profiler.mappings.pollMillis";

    private MappingTrackingBenchmark() {}

    private record Cost(String what, double cpuPercent, long rssKib, long peakRssKib, String report) {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("agent")) {
            agent(!args[1].equals("off"), Integer.parseInt(args[2]));
            return;
        }
        int measured = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_SECONDS;
        int total = (int) WARMUP.toSeconds() + measured + (int) SLICE.toSeconds();
        Path dir = Files.createTempDirectory("mapping-tracking-bench");
        Path spawner = dir.resolve("spawner");
        Files.writeString(dir.resolve("spawner.c"), SPAWNER);
        if (new ProcessBuilder(
                                "gcc",
                                "-O2",
                                "-o",
                                spawner.toString(),
                                dir.resolve("spawner.c").toString())
                        .inheritIO()
                        .start()
                        .waitFor()
                != 0) {
            throw new IllegalStateException("cannot compile the spawner");
        }
        List<Process> agents = new ArrayList<>();
        Process load = null;
        try {
            for (String mode : MODES) {
                List<String> command = new ArrayList<>();
                command.add(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString());
                command.addAll(AGENT_JVM_FLAGS);
                if (mode.equals("track-poll")) {
                    command.add("-D" + PERIODIC_POLL_PROPERTY + "=" + PERIODIC_POLL_MILLIS);
                }
                command.addAll(List.of(
                        "-cp",
                        System.getProperty("java.class.path"),
                        MappingTrackingBenchmark.class.getName(),
                        "agent",
                        mode,
                        Integer.toString(total)));
                agents.add(new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve(mode + ".log").toFile())
                        .start());
            }
            Thread.sleep(5_000); // the agents loaded their programs
            // SCHED_FIFO: on a loaded machine a normal-priority spawner waits to be scheduled at each
            // step of a spawn and reached only 30-96 processes a second, whatever its workers.
            load = new ProcessBuilder(
                            "chrt",
                            "-f",
                            SPAWNER_PRIORITY,
                            spawner.toString(),
                            Integer.toString(PROCESSES_PER_SECOND),
                            Integer.toString(total))
                    .redirectOutput(dir.resolve("spawner.log").toFile())
                    .start();
            Thread.sleep(WARMUP);
            long[] ticksBefore = new long[agents.size()];
            for (int i = 0; i < agents.size(); i++) {
                ticksBefore[i] = cpuTicks(agents.get(i).pid());
            }
            long before = System.nanoTime();
            Thread.sleep(Duration.ofSeconds(measured));
            double seconds = (System.nanoTime() - before) / 1e9;
            List<Cost> costs = new ArrayList<>();
            for (int i = 0; i < agents.size(); i++) {
                Process agent = agents.get(i);
                long ticks = cpuTicks(agent.pid()) - ticksBefore[i];
                Map<String, Long> status = status(agent.pid());
                costs.add(new Cost(
                        DESCRIPTIONS.get(i),
                        100.0 * ticks / TICKS_PER_SECOND / seconds,
                        status.get("VmRSS"),
                        status.get("VmHWM"),
                        ""));
            }
            for (Process agent : agents) {
                agent.waitFor();
            }
            load.waitFor();
            System.out.printf(
                    Locale.ROOT,
                    "%d CPUs; load: %d processes/s asked, %s; measured %d s after a %d s warm-up%n",
                    OnlineCpus.read().cpus().size(),
                    PROCESSES_PER_SECOND,
                    Files.readString(dir.resolve("spawner.log")).strip(),
                    measured,
                    WARMUP.toSeconds());
            System.out.printf(
                    Locale.ROOT, "%-20s %14s %9s %14s%n", "agent", "CPU % (1 core)", "RSS MiB", "peak RSS MiB");
            for (Cost cost : costs) {
                System.out.printf(
                        Locale.ROOT,
                        "%-44s %14.2f %9.1f %14.1f%n",
                        cost.what(),
                        cost.cpuPercent(),
                        cost.rssKib() / 1024.0,
                        cost.peakRssKib() / 1024.0);
            }
            for (String mode : MODES) {
                System.out.println("--- agent " + mode);
                System.out.print(Files.readString(dir.resolve(mode + ".log")));
            }
        } finally {
            if (load != null) {
                load.destroyForcibly();
            }
            agents.forEach(Process::destroyForcibly);
        }
    }

    /** One agent: node-wide on-CPU sampling at 99 Hz, analysed in 10 s slices, with or without tracking. */
    private static void agent(boolean track, int seconds) throws Exception {
        SliceAnalyzer analyzer = SliceAnalyzer.forThisMachine("bench", CgroupResolver.forThisMachine(), 10, 5);
        MappingTracker tracker = track ? analyzer.trackMappings() : null;
        long start = System.nanoTime();
        try (OnCpuSampler sampler =
                OnCpuSampler.start(OnCpuSampler.Settings.of(OnlineCpus.read().cpus(), 99, Set.of()))) {
            sampler.cut();
            long previousRecords = 0;
            long previousExits = 0;
            long previousCut = System.nanoTime();
            long previousMappings = 0;
            for (int slice = 0; slice < seconds / SLICE.toSeconds(); slice++) {
                Thread.sleep(SLICE);
                long cut = System.nanoTime();
                SliceResult result = analyzer.analyze(sampler.cut(), null, null, null);
                long analysed = System.nanoTime() - cut;
                long samples = 0;
                long exited = 0;
                Map<String, Long> exitedByApplication = new HashMap<>();
                for (SymbolizedStack stack : result.stacks()) {
                    samples += stack.count();
                    if (stack.frames().contains(Frames.exited())) {
                        exited += stack.count();
                        exitedByApplication.merge(stack.application(), stack.count(), Long::sum);
                    }
                }
                String tracking = "";
                if (tracker != null) {
                    MappingTracker.Stats stats = tracker.stats();
                    tracking = String.format(
                            Locale.ROOT,
                            "; exits %.0f/s, records %.0f/s, executable mmaps %.0f/s, lost %d, processes %d live + %d exited kept",
                            (stats.exits() - previousExits) / seconds(cut - previousCut),
                            (stats.records() - previousRecords) / seconds(cut - previousCut),
                            (stats.executableMappings() - previousMappings) / seconds(cut - previousCut),
                            stats.lostRecords(),
                            stats.liveProcesses(),
                            stats.exitedProcesses());
                    previousRecords = stats.records();
                    previousExits = stats.exits();
                    previousMappings = stats.executableMappings();
                }
                System.out.printf(
                        Locale.ROOT,
                        "slice %d at %ds: %d samples, %d [exited] (%.1f %%), analysed in %d ms%s%n",
                        slice + 1,
                        (cut - start) / 1_000_000_000L,
                        samples,
                        exited,
                        samples == 0 ? 0.0 : 100.0 * exited / samples,
                        analysed / 1_000_000,
                        tracking);
                previousCut = cut;
            }
            System.gc();
            Runtime runtime = Runtime.getRuntime();
            System.out.printf(
                    Locale.ROOT,
                    "heap in use after a full GC: %.1f MiB%n",
                    (runtime.totalMemory() - runtime.freeMemory()) / 1048576.0);
        } finally {
            if (tracker != null) {
                tracker.close();
            }
        }
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    private static Map<String, Long> status(long pid) throws IOException {
        Map<String, Long> values = new HashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            String[] parts = line.split(":\\s+");
            if (parts.length == 2 && parts[1].endsWith(" kB")) {
                values.put(parts[0], Long.parseLong(parts[1].replace(" kB", "").strip()));
            }
        }
        return values;
    }
}
