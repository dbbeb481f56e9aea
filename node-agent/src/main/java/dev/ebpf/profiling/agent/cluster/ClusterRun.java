package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.agent.cgroup.CgroupMount;
import dev.ebpf.profiling.agent.cgroup.CgroupResolver;
import dev.ebpf.profiling.agent.cpu.CpuList;
import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import dev.ebpf.profiling.agent.hotspot.HotspotAnalyzer;
import dev.ebpf.profiling.agent.metrics.AgentMetrics;
import dev.ebpf.profiling.agent.profile.Deadlines;
import dev.ebpf.profiling.agent.profile.SliceAnalyzer;
import dev.ebpf.profiling.agent.profile.SliceResult;
import dev.ebpf.profiling.api.job.AgentJobConfig;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.Profiler;
import dev.ebpf.profiling.api.profile.NodeProfile;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Set;

/**
 * The agent's cluster mode ({@code node-agent run}): profiles this node's share of a ProfilingJob
 * in wall-clock-aligned slices and publishes each slice as a result ConfigMap (and to the job's
 * object store, if it has one). Trigger-mode jobs are run by {@link TriggerRun} instead.
 *
 * <p>The job config is re-read at every slice, so pods that come, go or move are followed. With
 * {@code nodeWide: false} the in-kernel filter admits only the selected pods' cgroups on this node,
 * and nothing at all while none of them runs here: a namespaced job never counts another pod.
 */
public final class ClusterRun {

    /** Started this long before a window so loading the programs does not eat into the slice. */
    private static final Duration START_LEAD = Duration.ofSeconds(1);

    private final KubernetesClient client;
    private final String node;
    private final Path configFile;
    private final CgroupMount mount;
    private final PrintStream log;
    private final AgentMetrics metrics;
    private final SliceUploads.Settings uploadSettings;

    public ClusterRun(
            KubernetesClient client,
            String node,
            Path configFile,
            CgroupMount mount,
            PrintStream log,
            AgentMetrics metrics) {
        this(client, node, configFile, mount, log, metrics, SliceUploads.Settings.DEFAULT);
    }

    /** @param uploadSettings spool and credentials for jobs with an object store */
    public ClusterRun(
            KubernetesClient client,
            String node,
            Path configFile,
            CgroupMount mount,
            PrintStream log,
            AgentMetrics metrics,
            SliceUploads.Settings uploadSettings) {
        this.uploadSettings = uploadSettings;
        this.client = client;
        this.node = node;
        this.configFile = configFile;
        this.mount = mount;
        this.log = log;
        this.metrics = metrics;
    }

    /** Runs until the job's {@code runs} slices (or trigger windows) are published; forever when it has none. */
    public void run() {
        AgentJobConfig config = JobConfigFile.read(configFile);
        SliceAnalyzer analyzer = SliceAnalyzer.forThisMachine(
                node,
                new CgroupResolver(mount, InstantSource.system()),
                config.top(),
                HotspotAnalyzer.DEFAULT_HOTSPOTS);
        // Said once at start: each slice's report carries it to the job's status.
        analyzer.limitations().forEach(limitation -> {
            log.println("warning: " + limitation.message());
            metrics.limitation(limitation.reason());
        });
        SliceAnalysis analysis = new SliceAnalysis(analyzer, new PodNames(client, node), metrics);
        PodCgroupIndex podCgroups = new PodCgroupIndex(mount);
        ResultPublisher publisher = new ResultPublisher(client, node);
        try (JobUploads uploads = new JobUploads(client, node, config, uploadSettings, metrics, log)) {
            if (config.mode() == Mode.TRIGGER) {
                new TriggerRun(client, node, configFile, log, metrics, analysis, podCgroups, publisher, uploads)
                        .run(config);
            } else {
                runSlices(config, analysis, podCgroups, publisher, uploads);
            }
        }
    }

    /** General and filter mode: one slice per window, windows aligned to the wall clock. */
    private void runSlices(
            AgentJobConfig config,
            SliceAnalysis analysis,
            PodCgroupIndex podCgroups,
            ResultPublisher publisher,
            JobUploads uploads) {
        CpuList cpus = cpus(config);
        SliceWindow window = firstWindow(config, Instant.now());
        NodeSamplers sampler = null;
        int published = 0;
        try {
            while (config.runs() == null || published < config.runs()) {
                Set<Long> allowed = config.nodeWide() ? Set.of() : podCgroups.allowedCgroupIds(config, node);
                if (sampler == null) {
                    sleepUntil(window.start().minus(START_LEAD));
                    sampler = NodeSamplers.start(
                            cpus.cpus(), config.frequencyHz(), offCpuRequested(config), config.nodeWide(), allowed);
                    sleepUntil(window.start());
                    sampler.cut(); // what ran before the window is not part of it
                } else if (!config.nodeWide()) {
                    sampler.allowOnly(allowed);
                }
                sleepUntil(window.end());
                SliceResult result = analysis.cutAndAnalyze(sampler, config);
                NodeProfile named = result.profile();
                String name = publisher.publish(config, window.start(), result);
                uploads.submit(config, window.start(), result, name);
                int pruned = publisher.pruneBeyondRetention(config);
                published++;
                log.printf(
                        "slice %s-%s: %d applications, %d samples, lost %d -> configmap %s (pruned %d)%n",
                        window.start(),
                        window.end(),
                        named.topApplications().size(),
                        named.totalSamples(),
                        named.lostSamples(),
                        name,
                        pruned);

                config = JobConfigFile.reread(configFile, config, log);
                SliceWindow next = nextWindow(config, window, Instant.now());
                if (!next.start().equals(window.end())) {
                    // Not back to back: stop sampling (and its cost) until the next window.
                    sampler.close();
                    sampler = null;
                }
                window = next;
            }
        } finally {
            if (sampler != null) {
                sampler.close();
            }
        }
    }

    /** The job's CPUs, or every online CPU. */
    static CpuList cpus(AgentJobConfig config) {
        return config.cpus() == null ? OnlineCpus.read() : CpuList.parseWithin(config.cpus(), OnlineCpus.read());
    }

    static boolean offCpuRequested(AgentJobConfig config) {
        return config.profilers() != null && config.profilers().contains(Profiler.OFF_CPU);
    }

    static SliceWindow firstWindow(AgentJobConfig config, Instant now) {
        Duration length = Duration.ofSeconds(config.durationSeconds());
        // Leave time to load the programs before the window opens.
        return SliceWindow.next(now.plus(START_LEAD), period(config), length);
    }

    static SliceWindow nextWindow(AgentJobConfig config, SliceWindow previous, Instant now) {
        if (config.mode() == Mode.FILTER) {
            SliceWindow following = previous.following();
            // Back to back unless the config changed the slice length.
            if (following.end().equals(following.start().plusSeconds(config.durationSeconds()))) {
                return following;
            }
        }
        return SliceWindow.next(now.plus(START_LEAD), period(config), Duration.ofSeconds(config.durationSeconds()));
    }

    private static Duration period(AgentJobConfig config) {
        if (config.mode() == Mode.GENERAL && config.intervalSeconds() != null) {
            return Duration.ofSeconds(config.intervalSeconds());
        }
        return Duration.ofSeconds(config.durationSeconds());
    }

    private static void sleepUntil(Instant deadline) {
        Deadlines.sleepUntil(deadline);
        if (Thread.currentThread().isInterrupted()) {
            throw new IllegalStateException("interrupted while waiting for a slice boundary");
        }
    }
}
