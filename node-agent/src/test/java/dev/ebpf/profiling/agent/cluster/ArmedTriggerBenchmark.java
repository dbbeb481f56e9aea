package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.api.job.AgentJobConfig;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.Profiler;
import dev.ebpf.profiling.api.job.TriggerMetric;
import dev.ebpf.profiling.api.profile.ProfileJson;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * The armed trigger's own cost in the real agent: a {@code node-agent run} process in trigger mode
 * whose threshold is never crossed (so it only polls /proc/stat once a second and keeps the 19 Hz
 * pre-trigger ring), side by side in one run with the same agent profiling the node continuously
 * at 99 Hz in back-to-back slices (what always-on profiling would cost instead). Both run node-wide on a
 * busy machine (one spinning loop per CPU), against a mock API server in this JVM. Prints the
 * agents' CPU % of one core in their steady state and their resident memory.
 *
 * <p>Run as root after {@code mvn install}: {@code mvn -pl node-agent test-compile exec:java
 * -Dexec.classpathScope=test -Dexec.mainClass=dev.ebpf.profiling.agent.cluster.ArmedTriggerBenchmark
 * [-Dexec.args="SECONDS"]}
 */
public final class ArmedTriggerBenchmark {

    private static final Path AGENT_JAR = Path.of("target", "node-agent.jar");
    /** The launcher the agent image runs too: the same JVM flags as in production. */
    private static final Path LAUNCHER = Path.of("bin", "node-agent");
    /** JVM start, program loading and the JIT compiling the slice path (about a minute) are not the steady state. */
    private static final Duration WARMUP = Duration.ofSeconds(60);

    private static final int DEFAULT_SECONDS = 60;
    private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux

    private ArmedTriggerBenchmark() {}

    private record Cost(String what, double cpuPercent, long rssKib, long peakRssKib, String busiestThreads) {}

    public static void main(String[] args) throws Exception {
        Logger.getLogger("io.fabric8.mockwebserver").setLevel(Level.WARNING);
        Duration measured = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : DEFAULT_SECONDS);
        if (!Files.isRegularFile(AGENT_JAR)) {
            throw new IllegalStateException(AGENT_JAR.toAbsolutePath() + " is missing: run mvn install first");
        }
        int cpus = Runtime.getRuntime().availableProcessors();
        List<Process> spinners = new ArrayList<>();
        KubernetesMockServer server = new KubernetesMockServer(
                new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        Path dir = Files.createTempDirectory("armed-trigger-bench");
        try {
            for (int i = 0; i < cpus; i++) {
                spinners.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
            }
            String api = server.createClient().getMasterUrl().toString();
            List<Cost> costs = List.of(
                    measure(
                            "trigger mode, armed (node-cpu > 100%: never fires)",
                            api,
                            dir,
                            config(
                                    "armed",
                                    Mode.TRIGGER,
                                    10,
                                    null,
                                    new AgentJobConfig.TriggerConfig(TriggerMetric.NODE_CPU, null, 100, 5, 300)),
                            measured),
                    measure(
                            "always on: 99 Hz, back-to-back 10 s slices",
                            api,
                            dir,
                            config("always-on", Mode.FILTER, 10, null, null),
                            measured));
            System.out.printf(
                    Locale.ROOT,
                    "node: %d CPUs, all busy; steady state measured for %d s after %d s%n",
                    cpus,
                    measured.toSeconds(),
                    WARMUP.toSeconds());
            System.out.printf(
                    Locale.ROOT, "%-52s %12s %10s %14s%n", "agent", "CPU % (1 core)", "RSS MiB", "peak RSS MiB");
            for (Cost cost : costs) {
                System.out.printf(
                        Locale.ROOT,
                        "%-52s %12.2f %10.1f %14.1f%n",
                        cost.what(),
                        cost.cpuPercent(),
                        cost.rssKib() / 1024.0,
                        cost.peakRssKib() / 1024.0);
                System.out.println("    busiest threads: " + cost.busiestThreads());
            }
            System.out.printf(
                    Locale.ROOT,
                    "armed / always-on CPU ratio: %.2f%n",
                    costs.get(0).cpuPercent() / costs.get(1).cpuPercent());
        } finally {
            spinners.forEach(Process::destroyForcibly);
            server.destroy();
        }
    }

    private static AgentJobConfig config(
            String job, Mode mode, long durationSeconds, Long intervalSeconds, AgentJobConfig.TriggerConfig trigger) {
        return new AgentJobConfig(
                AgentJobConfig.SCHEMA_VERSION,
                new AgentJobConfig.JobRef("bench", job, job + "-uid"),
                mode,
                List.of(Profiler.ON_CPU),
                99,
                null,
                durationSeconds,
                intervalSeconds,
                null,
                10,
                3,
                true,
                List.of(),
                trigger,
                null);
    }

    private static Cost measure(String what, String api, Path dir, AgentJobConfig config, Duration measured)
            throws IOException, InterruptedException {
        Path configFile = dir.resolve(config.job().name() + ".json");
        Files.writeString(configFile, ProfileJson.mapper().writeValueAsString(config));
        ProcessBuilder builder = new ProcessBuilder(
                        LAUNCHER.toString(), "run", "--config", configFile.toString(), "--node", "bench-node")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(config.job().name() + ".log").toFile());
        Map<String, String> env = builder.environment();
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("KUBERNETES_MASTER", api);
        env.put("KUBERNETES_TRUST_CERTIFICATES", "true");
        env.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
        env.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
        Process agent = builder.start();
        try {
            Thread.sleep(WARMUP);
            requireAlive(agent, dir, config);
            long ticksBefore = cpuTicks(agent.pid());
            Map<String, Long> threadsBefore = threadTicks(agent.pid());
            long before = System.nanoTime();
            Thread.sleep(measured);
            requireAlive(agent, dir, config);
            long ticks = cpuTicks(agent.pid()) - ticksBefore;
            double seconds = (System.nanoTime() - before) / 1e9;
            Map<String, Long> threads = threadTicks(agent.pid());
            threadsBefore.forEach((thread, t) -> threads.merge(thread, -t, Long::sum));
            String busiest = threads.entrySet().stream()
                    .filter(e -> e.getValue() > 0)
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .limit(5)
                    .map(e -> String.format(
                            Locale.ROOT, "%s %.2f%%", e.getKey(), 100.0 * e.getValue() / TICKS_PER_SECOND / seconds))
                    .collect(Collectors.joining(", "));
            Map<String, Long> status = status(agent.pid());
            return new Cost(
                    what,
                    100.0 * ticks / TICKS_PER_SECOND / seconds,
                    status.get("VmRSS"),
                    status.get("VmHWM"),
                    busiest);
        } finally {
            agent.destroy();
            agent.waitFor();
        }
    }

    private static void requireAlive(Process agent, Path dir, AgentJobConfig config) throws IOException {
        if (!agent.isAlive()) {
            throw new IllegalStateException("the agent exited: "
                    + Files.readString(dir.resolve(config.job().name() + ".log")));
        }
    }

    /** utime + stime of the whole process, in clock ticks. */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /** CPU ticks of each thread by name (threads of one name summed), to see where the cost goes. */
    private static Map<String, Long> threadTicks(long pid) throws IOException {
        Map<String, Long> ticks = new HashMap<>();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks.merge(name, Long.parseLong(fields[11]) + Long.parseLong(fields[12]), Long::sum);
                } catch (NoSuchFileException gone) {
                    // the thread ended between the listing and the read
                }
            }
        }
        return ticks;
    }

    /** The kB figures of /proc/PID/status, such as VmRSS and VmHWM. */
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
