package dev.ebpf.profiling.agent.bench;

import dev.ebpf.profiling.agent.cgroup.CgroupMount;
import dev.ebpf.profiling.agent.cluster.ClusterRun;
import dev.ebpf.profiling.agent.cluster.JobSource;
import dev.ebpf.profiling.agent.cluster.NodePolicy;
import dev.ebpf.profiling.agent.cluster.SliceReports;
import dev.ebpf.profiling.agent.metrics.AgentMetrics;
import dev.ebpf.profiling.agent.testsupport.PodCgroups;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.agent.testsupport.TestTags;
import dev.ebpf.profiling.api.ingest.NodeSliceReport;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.Profiler;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import dev.ebpf.profiling.api.profile.ProfileJson;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * What one agent in cluster mode ({@link ClusterRun}, {@code node-agent run}) costs serving one
 * job and three jobs (issue 9): three agent JVMs side by side in one run on one load, each with the
 * image's JVM flags and a static job source (jobs and pods given directly, as the informers would
 * list them):
 *
 * <ul>
 *   <li>{@code idle}: no job (the on-CPU sampler stays loaded at 19 Hz counting nothing);
 *   <li>{@code one}: one filter-mode job, 99 Hz, 10 s slices back to back, selecting the pod {@code web};
 *   <li>{@code three}: that job, plus the same on the pods {@code batch} (with {@code cpus: "1"}) and
 *       {@code cache}.
 * </ul>
 *
 * <p>The load: four pod-shaped cgroups ({@link PodCgroups}), each one container limited to 0.35 CPU
 * running a busy program (a shell loop, {@code sha256sum /dev/zero}, {@code gzip} of
 * {@code /dev/urandom}, and a shell loop no job selects). Every slice is built into the report the
 * agent would push ({@link SliceReports#of}) and serialized to JSON, as the ingest client does,
 * without the HTTP.
 *
 * <p>After the warm-up, the parent reads each agent's utime + stime ({@code /proc/PID/stat}) and
 * its threads' ({@code /proc/PID/task/TID/stat}) at the start and end of the window and at every
 * minute inside it (so the spread of the per-minute figures shows how noisy the machine was),
 * VmRSS every 5 s, then has each agent run a full GC ({@code jcmd GC.run}) and reads the heap
 * left.
 *
 * <p>Run as root: {@code scripts/bench-multi-job.sh [MEASURED_SECONDS [WARMUP_SECONDS]]} (surefire
 * runs {@link #benchmark()} when {@code -Dmultijob.benchmark=true}; the class name keeps it out of
 * the normal test run). The report is also written to {@code node-agent/target/multi-job-benchmark.txt}.
 */
@Tag(TestTags.BPF)
@Tag(TestTags.SLOW)
public final class MultiJobAgentBenchmark {

    private static final int DEFAULT_MEASURED_SECONDS = 240;
    private static final int DEFAULT_WARMUP_SECONDS = 75;
    private static final long TICKS_PER_SECOND = 100; // USER_HZ
    private static final String NODE = "bench-node";
    private static final double POD_CPU_LIMIT = 0.35;
    /** The image's NODE_AGENT_JAVA_OPTS, with the heap a quarter of a 512 MiB limit. */
    private static final List<String> AGENT_JVM_FLAGS = List.of(
            "-XX:+UseSerialGC", "-Xms16m", "-Xmx128m", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED");

    private static final List<String> AGENTS = List.of("idle", "one", "three");
    /** Pod name (also its namespace and app label) and the busy program in its container. */
    private static final Map<String, String> LOAD = new LinkedHashMap<>();

    static {
        LOAD.put("web", "while :; do :; done");
        LOAD.put("batch", "exec sha256sum /dev/zero");
        LOAD.put("cache", "exec gzip -1 < /dev/urandom > /dev/null");
        LOAD.put("other", "while :; do :; done");
    }

    MultiJobAgentBenchmark() {}

    /** The entry point under surefire (which gives the test class path to the agents it starts). */
    @Test
    @EnabledIfSystemProperty(named = "multijob.benchmark", matches = "true")
    void benchmark() throws Exception {
        RequiresRoot.assumeBpf();
        PrintStream console = System.out;
        try (OutputStream file = Files.newOutputStream(Path.of("target", "multi-job-benchmark.txt"))) {
            System.setOut(new PrintStream(
                    new OutputStream() {
                        @Override
                        public void write(int b) throws IOException {
                            console.write(b);
                            file.write(b);
                        }

                        @Override
                        public void write(byte[] b, int off, int len) throws IOException {
                            console.write(b, off, len);
                            file.write(b, off, len);
                        }
                    },
                    true,
                    StandardCharsets.UTF_8));
            main(new String[] {
                System.getProperty("multijob.seconds", Integer.toString(DEFAULT_MEASURED_SECONDS)),
                System.getProperty("multijob.warmup", Integer.toString(DEFAULT_WARMUP_SECONDS))
            });
        } finally {
            System.out.flush();
            System.setOut(console);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("agent")) {
            agent(args[1], List.of(args).subList(2, args.length));
            return;
        }
        int measured = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_MEASURED_SECONDS;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : DEFAULT_WARMUP_SECONDS;
        Path dir = Files.createTempDirectory("multi-job-bench");
        List<PodCgroups> pods = new ArrayList<>();
        List<Process> agents = new ArrayList<>();
        try {
            List<String> podArgs = new ArrayList<>();
            for (Map.Entry<String, String> load : LOAD.entrySet()) {
                String uid = UUID.randomUUID().toString();
                PodCgroups pod = PodCgroups.builder()
                        .podUid(uid)
                        .container(POD_CPU_LIMIT)
                        .build();
                pods.add(pod);
                pod.container(0).start("sh", "-c", load.getValue());
                podArgs.add(load.getKey() + "," + uid + "," + pod.container(0).id());
            }
            for (String agent : AGENTS) {
                List<String> command = new ArrayList<>();
                command.add(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString());
                command.addAll(AGENT_JVM_FLAGS);
                command.addAll(List.of(
                        "-cp", System.getProperty("java.class.path"), MultiJobAgentBenchmark.class.getName(), "agent"));
                command.add(agent);
                command.addAll(podArgs);
                agents.add(new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve(agent + ".log").toFile())
                        .start());
            }
            System.out.printf(
                    Locale.ROOT,
                    "agents %s started (pids %s); warm-up %d s, then %d s measured; logs in %s%n",
                    AGENTS,
                    agents.stream().map(Process::pid).toList(),
                    warmup,
                    measured,
                    dir);
            Thread.sleep(Duration.ofSeconds(warmup));
            for (Process agent : agents) {
                if (!agent.isAlive()) {
                    throw new IllegalStateException("an agent died: "
                            + Files.readString(dir.resolve(AGENTS.get(agents.indexOf(agent)) + ".log")));
                }
            }
            String loadBefore = Files.readString(Path.of("/proc/loadavg")).strip();
            List<Map<String, Long>> threadsBefore = new ArrayList<>();
            long[] ticksBefore = new long[agents.size()];
            for (int i = 0; i < agents.size(); i++) {
                ticksBefore[i] = cpuTicks(agents.get(i).pid());
                threadsBefore.add(threadTicks(agents.get(i).pid()));
            }
            long start = System.nanoTime();
            long[] rssSum = new long[agents.size()];
            long[] rssMax = new long[agents.size()];
            int rssReads = 0;
            List<double[]> minutes = new ArrayList<>(); // CPU % per agent, per minute
            long[] minuteTicks = ticksBefore.clone();
            long minuteStart = start;
            long end = start + TimeUnit.SECONDS.toNanos(measured);
            while (System.nanoTime() < end) {
                Thread.sleep(Math.min(5_000, Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
                for (int i = 0; i < agents.size(); i++) {
                    long rss = status(agents.get(i).pid()).getOrDefault("VmRSS", 0L);
                    rssSum[i] += rss;
                    rssMax[i] = Math.max(rssMax[i], rss);
                }
                rssReads++;
                long now = System.nanoTime();
                if (now - minuteStart >= TimeUnit.SECONDS.toNanos(60) || now >= end) {
                    double[] row = new double[agents.size()];
                    for (int i = 0; i < agents.size(); i++) {
                        long ticks = cpuTicks(agents.get(i).pid());
                        row[i] = percent(ticks - minuteTicks[i], now - minuteStart);
                        minuteTicks[i] = ticks;
                    }
                    minutes.add(row);
                    minuteStart = now;
                }
            }
            long elapsed = System.nanoTime() - start;
            double[] cpu = new double[agents.size()];
            List<Map<String, Long>> threadsAfter = new ArrayList<>();
            for (int i = 0; i < agents.size(); i++) {
                cpu[i] = percent(cpuTicks(agents.get(i).pid()) - ticksBefore[i], elapsed);
                threadsAfter.add(threadTicks(agents.get(i).pid()));
            }
            String loadAfter = Files.readString(Path.of("/proc/loadavg")).strip();
            List<Map<String, Long>> statusAfter = new ArrayList<>();
            for (Process agent : agents) {
                statusAfter.add(status(agent.pid()));
            }
            List<String> heaps = new ArrayList<>();
            for (Process agent : agents) {
                heaps.add(heapAfterGc(agent.pid()));
            }

            System.out.printf(
                    Locale.ROOT,
                    "%n%d s measured after a %d s warm-up; loadavg before %s, after %s%n",
                    TimeUnit.NANOSECONDS.toSeconds(elapsed),
                    warmup,
                    loadBefore,
                    loadAfter);
            System.out.printf(
                    Locale.ROOT,
                    "%-6s %14s %13s %13s %22s  %s%n",
                    "agent",
                    "CPU % (1 core)",
                    "RSS mean MiB",
                    "RSS max MiB",
                    "end: anon / file MiB",
                    "heap after full GC");
            for (int i = 0; i < agents.size(); i++) {
                System.out.printf(
                        Locale.ROOT,
                        "%-6s %14.2f %13.1f %13.1f %22s  %s%n",
                        AGENTS.get(i),
                        cpu[i],
                        rssSum[i] / 1024.0 / rssReads,
                        rssMax[i] / 1024.0,
                        String.format(
                                Locale.ROOT,
                                "%.1f / %.1f",
                                statusAfter.get(i).getOrDefault("RssAnon", 0L) / 1024.0,
                                statusAfter.get(i).getOrDefault("RssFile", 0L) / 1024.0),
                        heaps.get(i));
            }
            System.out.println("CPU % per minute (idle, one, three; three/one):");
            for (double[] row : minutes) {
                System.out.printf(Locale.ROOT, "  %6.2f %6.2f %6.2f   %.2f%n", row[0], row[1], row[2], row[2] / row[1]);
            }
            double ratio = cpu[2] / cpu[1];
            System.out.printf(
                    Locale.ROOT,
                    "three jobs / one job, CPU: %.2f (target <= 1.25: %s); RSS mean: %.2f%n",
                    ratio,
                    ratio <= 1.25 ? "met" : "NOT met",
                    (double) rssSum[2] / rssSum[1]);
            System.out.printf(
                    Locale.ROOT,
                    "three jobs: CPU %.2f %% (target <= 1 %%: %s), RSS max %.1f MiB (target <= 128: %s)%n",
                    cpu[2],
                    cpu[2] <= 1.0 ? "met" : "NOT met",
                    rssMax[2] / 1024.0,
                    rssMax[2] / 1024.0 <= 128 ? "met" : "NOT met");
            for (int i = 0; i < agents.size(); i++) {
                System.out.println("--- busiest threads of agent " + AGENTS.get(i) + " (% of one core)");
                Map<String, Long> byName = new HashMap<>();
                Map<String, Long> before = threadsBefore.get(i);
                threadsAfter.get(i).forEach((key, ticks) -> {
                    String name = key.substring(key.indexOf(' ') + 1);
                    byName.merge(name, ticks - before.getOrDefault(key, 0L), Long::sum);
                });
                byName.entrySet().stream()
                        .filter(e -> e.getValue() > 0)
                        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                        .limit(8)
                        .forEach(e -> System.out.printf(
                                Locale.ROOT, "  %-24s %6.2f%n", e.getKey(), percent(e.getValue(), elapsed)));
            }
            System.out.println(
                    "--- what the heap of agent three holds after the full GC (jcmd GC.class_histogram, top 12)");
            histogram(agents.get(2).pid()).forEach(System.out::println);
            for (String agent : AGENTS) {
                List<String> lines = Files.readAllLines(dir.resolve(agent + ".log"));
                System.out.println("--- agent " + agent + " log (last 8 of " + lines.size() + " lines)");
                lines.subList(Math.max(0, lines.size() - 8), lines.size()).forEach(System.out::println);
            }
        } finally {
            agents.forEach(Process::destroyForcibly);
            for (Process agent : agents) {
                agent.waitFor(10, TimeUnit.SECONDS);
            }
            for (PodCgroups pod : pods) {
                pod.close();
            }
        }
    }

    /** One agent: ClusterRun with the jobs of {@code which}, until killed. */
    private static void agent(String which, List<String> podArgs) {
        Instant accepted = Instant.now();
        List<Pod> pods = new ArrayList<>();
        for (String arg : podArgs) {
            String[] parts = arg.split(",");
            pods.add(pod(parts[0], parts[1], parts[2]));
        }
        List<ProfilingJob> jobs = new ArrayList<>();
        if (!which.equals("idle")) {
            jobs.add(job("web", null, accepted));
        }
        if (which.equals("three")) {
            jobs.add(job("batch", "1", accepted));
            jobs.add(job("cache", null, accepted));
        }
        JobSource source = new JobSource() {
            @Override
            public List<ProfilingJob> jobs() {
                return jobs;
            }

            @Override
            public List<Pod> podsOnNode() {
                return pods;
            }
        };
        PrintStream log = System.out;
        long[] bytes = new long[1];
        ClusterRun run = new ClusterRun(
                NODE,
                source,
                new NodePolicy(java.util.Set.of(), NodePolicy.DEFAULT_MAX_FREQUENCY_HZ),
                CgroupMount.findUnified(),
                (job, window, result, history, limitations) -> {
                    // What the ingest client does before its HTTP request.
                    NodeSliceReport report = SliceReports.of(job.key(), NODE, window, result, history, limitations);
                    try {
                        bytes[0] = ProfileJson.mapper().writeValueAsBytes(report).length;
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    log.println(Instant.now() + " " + SliceReports.summary(report) + ", " + bytes[0] + " bytes JSON");
                },
                report -> {},
                new AgentMetrics(NODE),
                new PrintStream(System.out, true, StandardCharsets.UTF_8));
        run.run();
    }

    private static ProfilingJob job(String pod, String cpus, Instant acceptedAt) {
        ProfilingJobSpec spec = new ProfilingJobSpec();
        spec.mode = Mode.FILTER;
        spec.selector =
                new LabelSelectorBuilder().withMatchLabels(Map.of("app", pod)).build();
        spec.duration = "10s";
        spec.frequencyHz = 99;
        spec.profilers = List.of(Profiler.ON_CPU);
        spec.cpus = cpus;
        ProfilingJob job = new ProfilingJob();
        job.setMetadata(new ObjectMetaBuilder()
                .withNamespace(pod)
                .withName(pod + "-profile")
                .withUid(UUID.randomUUID().toString())
                .withGeneration(1L)
                .build());
        job.setSpec(spec);
        ProfilingJobStatus status = new ProfilingJobStatus();
        status.observedGeneration = 1L;
        status.conditions = new ArrayList<>(List.of(new ConditionBuilder()
                .withType(ProfilingJobStatus.READY)
                .withStatus("True")
                .withReason("Accepted")
                .withLastTransitionTime(acceptedAt.toString())
                .build()));
        job.setStatus(status);
        return job;
    }

    private static Pod pod(String name, String uid, String containerId) {
        return new PodBuilder()
                .withNewMetadata()
                .withNamespace(name)
                .withName(name + "-1")
                .withUid(uid)
                .withLabels(Map.of("app", name))
                .endMetadata()
                .withNewSpec()
                .withNodeName(NODE)
                .addNewContainer()
                .withName("main")
                .withImage("busybox")
                .endContainer()
                .endSpec()
                .withNewStatus()
                .withPhase("Running")
                .addNewContainerStatus()
                .withName("main")
                .withContainerID("containerd://" + containerId)
                .endContainerStatus()
                .endStatus()
                .build();
    }

    private static double percent(long ticks, long nanos) {
        return 100.0 * ticks / TICKS_PER_SECOND / (nanos / 1e9);
    }

    /** {@code jcmd GC.run}, then the heap in use from {@code GC.heap_info}. */
    private static String heapAfterGc(long pid) {
        try {
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start()
                    .waitFor(60, TimeUnit.SECONDS);
            Process info = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.heap_info")
                    .redirectErrorStream(true)
                    .start();
            String text = new String(info.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            info.waitFor(60, TimeUnit.SECONDS);
            // "DefNew     total 4992K, used 0K [...]" and "Tenured    total 10944K, used 3267K [...]"
            long usedKib = 0;
            long totalKib = 0;
            for (String line : text.lines().toList()) {
                if (!line.isEmpty() && !Character.isWhitespace(line.charAt(0)) && line.contains(" total ")) {
                    totalKib += kib(line, "total ");
                    usedKib += kib(line, "used ");
                }
            }
            return String.format(Locale.ROOT, "%.1f MiB used of %.1f MiB", usedKib / 1024.0, totalKib / 1024.0);
        } catch (IOException | RuntimeException e) {
            return "unknown (" + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    private static List<String> histogram(long pid) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                        Long.toString(pid),
                        "GC.class_histogram")
                .redirectErrorStream(true)
                .start();
        List<String> lines = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .lines()
                .toList();
        process.waitFor(60, TimeUnit.SECONDS);
        return lines.subList(Math.min(1, lines.size()), Math.min(15, lines.size()));
    }

    private static long kib(String line, String after) {
        int at = line.indexOf(after);
        if (at < 0) {
            return 0;
        }
        String rest = line.substring(at + after.length()).strip();
        int endOfNumber = 0;
        while (endOfNumber < rest.length() && Character.isDigit(rest.charAt(endOfNumber))) {
            endOfNumber++;
        }
        long value = Long.parseLong(rest.substring(0, endOfNumber));
        return rest.startsWith("M", endOfNumber) ? value * 1024 : value;
    }

    private static long cpuTicks(long pid) throws IOException {
        return ticks(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    }

    private static long ticks(String stat) {
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /** "TID name" to utime + stime of every thread of {@code pid}. */
    private static Map<String, Long> threadTicks(long pid) throws IOException {
        Map<String, Long> threads = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    if (name.equals("java")) {
                        name = "main (ClusterRun steps)"; // the launcher's main thread keeps the process name
                    }
                    // Numbered pools (C1 CompilerThre, GC Thread#0...) are summed under one name.
                    threads.put(task.getFileName() + " " + name.replaceAll("[#0-9]+$", ""), ticks(stat));
                } catch (IOException gone) {
                    // The thread exited between the listing and the read.
                }
            }
        }
        return threads;
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
