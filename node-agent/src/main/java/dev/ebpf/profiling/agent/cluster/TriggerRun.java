package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.agent.cpu.CpuList;
import dev.ebpf.profiling.agent.metrics.AgentMetrics;
import dev.ebpf.profiling.agent.profile.Deadlines;
import dev.ebpf.profiling.agent.profile.SliceResult;
import dev.ebpf.profiling.agent.trigger.Firing;
import dev.ebpf.profiling.agent.trigger.MetricSource;
import dev.ebpf.profiling.agent.trigger.SliceRing;
import dev.ebpf.profiling.agent.trigger.TriggerListener;
import dev.ebpf.profiling.agent.trigger.TriggerSettings;
import dev.ebpf.profiling.agent.trigger.TriggerStateMachine;
import dev.ebpf.profiling.agent.trigger.TriggerWatcher;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.AgentJobConfig;
import dev.ebpf.profiling.api.job.NodeTriggerState;
import dev.ebpf.profiling.api.profile.NodeProfile;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Trigger mode of {@code node-agent run}. While armed, the job's metric is read once a second and a
 * low-rate on-CPU sampler keeps the last {@link #HISTORY_LENGTH} as a ring of slices. When the
 * metric has stayed above the threshold for {@code for}, the agent profiles at the job's rate for
 * {@code duration} and publishes that window as a result ConfigMap named after the firing time,
 * with the ring's slices (the moments before the firing) as its history; then it waits out the
 * cooldown. The trigger-state ConfigMap tells the operator about every firing at once and shows
 * the metric's current value meanwhile.
 *
 * <p>The watcher polls on its own thread and only hands firings over; sampling, analysis and the
 * API writes happen on the caller's thread, so a slow API server never delays the metric polls.
 * An interrupt stops the run.
 */
final class TriggerRun {

    /** A low prime rate: cheap, and it does not beat with periodic work (perf's 99 Hz is prime too). */
    static final int HISTORY_FREQUENCY_HZ = 19;
    /** The history is cut into slices this long; the newest, cut at the firing, is shorter. */
    static final Duration HISTORY_SLICE = Duration.ofSeconds(5);
    /** How far back the history reaches. */
    static final Duration HISTORY_LENGTH = Duration.ofSeconds(30);
    /** The metric is read this often. */
    static final Duration POLL_PERIOD = Duration.ofSeconds(1);

    /** A firing as the watcher hands it over, with the ring's slices it took. */
    private record Fired(String metric, Firing firing, List<SliceResult> before) {}

    private final KubernetesClient client;
    private final String node;
    private final Path configFile;
    private final PrintStream log;
    private final AgentMetrics metrics;
    private final SliceAnalysis analysis;
    private final PodCgroupIndex podCgroups;
    private final ResultPublisher publisher;
    private final JobUploads uploads;
    private final InstantSource clock = InstantSource.system();
    private final BlockingQueue<Fired> firings = new LinkedBlockingQueue<>();
    private final SliceRing<SliceResult> ring =
            new SliceRing<>((int) (HISTORY_LENGTH.toSeconds() / HISTORY_SLICE.toSeconds()) + 1, HISTORY_LENGTH, clock);
    /** The selected pods' cgroup directories, refreshed by the slice loop and read by the pod-cpu metric. */
    private volatile List<Path> selectedPodCgroups = List.of();

    TriggerRun(
            KubernetesClient client,
            String node,
            Path configFile,
            PrintStream log,
            AgentMetrics metrics,
            SliceAnalysis analysis,
            PodCgroupIndex podCgroups,
            ResultPublisher publisher,
            JobUploads uploads) {
        this.client = client;
        this.node = node;
        this.configFile = configFile;
        this.log = log;
        this.metrics = metrics;
        this.analysis = analysis;
        this.podCgroups = podCgroups;
        this.publisher = publisher;
        this.uploads = uploads;
    }

    /** Runs until the job's {@code runs} windows are published (forever when it has none) or the thread is interrupted. */
    void run(AgentJobConfig first) {
        AgentJobConfig config = first;
        CpuList cpus = ClusterRun.cpus(config);
        TriggerStateReporter reporter = new TriggerStateReporter(client, node, config, clock, log);
        refreshSelectedPods(config);
        TriggerWatcher<SliceResult> watcher = watch(config, cpus);
        NodeSamplers history = null;
        int windows = 0;
        try {
            history = startHistory(config, cpus);
            while (config.runs() == null || windows < config.runs()) {
                Fired fired = firings.poll(HISTORY_SLICE.toMillis(), TimeUnit.MILLISECONDS);
                if (fired == null) {
                    ring.add(clock.instant(), analysis.cutAndAnalyze(history, config));
                    reporter.maybeReport(watcher.status());
                    AgentJobConfig reread = JobConfigFile.reread(configFile, config, log);
                    if (!sameTrigger(reread, config)) {
                        log.println("trigger settings changed: armed again with the new ones");
                        watcher.close();
                        watcher = watch(reread, cpus);
                    }
                    if (!Objects.equals(reread.cpus(), config.cpus())) {
                        cpus = ClusterRun.cpus(reread);
                        history.close();
                        history = null; // not closed again below if the restart fails
                        history = startHistory(reread, cpus);
                    }
                    config = reread;
                    reporter.configChanged(config);
                    Set<Long> allowed = refreshSelectedPods(config);
                    if (!config.nodeWide()) {
                        history.allowOnly(allowed);
                    }
                    continue;
                }
                List<SliceResult> before = new ArrayList<>(fired.before());
                before.addAll(ring.takeAll()); // cut while the watcher was handing the firing over
                before.add(analysis.cutAndAnalyze(history, config)); // right up to the firing
                history.close();
                history = null;

                Firing firing = fired.firing();
                String result = AgentContract.resultName(config.job().name(), node, firing.at());
                NodeTriggerState.TriggerFiring reported = reporter.fired(watcher.status(), firing, result);
                metrics.triggerFired(fired.metric());
                log.println(reported.message() + " -> profiling until " + firing.profilingEnds());

                SliceResult window = profileWindow(config, cpus, firing);
                publisher.publish(config, firing.at(), window, before);
                uploads.submit(config, firing.at(), window, result);
                int pruned = publisher.pruneBeyondRetention(config);
                windows++;
                NodeProfile profile = window.profile();
                log.printf(
                        "window %s-%s: %d applications, %d samples, %d history slices -> configmap %s"
                                + " (pruned %d)%n",
                        profile.start(),
                        profile.end(),
                        profile.topApplications().size(),
                        profile.totalSamples(),
                        before.size(),
                        result,
                        pruned);
                reporter.write(watcher.status());
                if (config.runs() == null || windows < config.runs()) {
                    history = startHistory(config, cpus);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // asked to stop
        } finally {
            watcher.close();
            if (history != null) {
                history.close();
            }
        }
    }

    /**
     * Looks up the selected pods' cgroups on this node, once for both users: the pod-cpu metric
     * reads their directories (kept for its thread), the samplers' filter admits their ids.
     */
    private Set<Long> refreshSelectedPods(AgentJobConfig config) {
        List<Path> directories = podCgroups.selectedPodCgroups(config, node);
        selectedPodCgroups = directories;
        return PodCgroupIndex.cgroupIds(directories);
    }

    /** Arms a watcher for the config's trigger; it hands firings to the slice loop through the queue. */
    private TriggerWatcher<SliceResult> watch(AgentJobConfig config, CpuList cpus) {
        AgentJobConfig.TriggerConfig trigger = config.trigger();
        MetricSource metric = TriggerMetricSources.of(
                trigger, () -> selectedPodCgroups, cpus.cpus().size());
        TriggerSettings settings = new TriggerSettings(
                trigger.threshold(),
                Duration.ofSeconds(trigger.forSeconds()),
                Duration.ofSeconds(config.durationSeconds()),
                Duration.ofSeconds(trigger.cooldownSeconds()));
        TriggerWatcher<SliceResult> watcher = new TriggerWatcher<>(
                metric,
                new TriggerStateMachine(settings, clock),
                ring,
                new TriggerListener<>() {
                    @Override
                    public void fired(String name, Firing firing, List<SliceResult> before) {
                        firings.add(new Fired(name, firing, before));
                    }

                    @Override
                    public void profilingEnded(String name, Firing firing) {
                        // The slice loop ends the window itself, at firing.profilingEnds().
                    }
                },
                clock);
        watcher.start(POLL_PERIOD);
        log.printf(
                "trigger armed on %s: %s > %.0f%% for %ds, then profile %ds, cooldown %ds%n",
                node,
                metric.name(),
                trigger.threshold(),
                trigger.forSeconds(),
                config.durationSeconds(),
                trigger.cooldownSeconds());
        return watcher;
    }

    /** The low-rate on-CPU sampler that feeds the ring. */
    private NodeSamplers startHistory(AgentJobConfig config, CpuList cpus) {
        return NodeSamplers.start(
                cpus.cpus(),
                HISTORY_FREQUENCY_HZ,
                false,
                config.nodeWide(),
                config.nodeWide() ? Set.of() : refreshSelectedPods(config));
    }

    /** Profiles at the job's rate (and off-CPU if asked) until the firing's window ends. */
    private SliceResult profileWindow(AgentJobConfig config, CpuList cpus, Firing firing) throws InterruptedException {
        try (NodeSamplers window = NodeSamplers.start(
                cpus.cpus(),
                config.frequencyHz(),
                ClusterRun.offCpuRequested(config),
                config.nodeWide(),
                config.nodeWide() ? Set.of() : refreshSelectedPods(config))) {
            Deadlines.sleepUntil(firing.profilingEnds());
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("stopped during a trigger window");
            }
            return analysis.cutAndAnalyze(window, config);
        }
    }

    /** Whether the watcher can go on as it is: same metric, threshold, for, cooldown and window length. */
    private static boolean sameTrigger(AgentJobConfig a, AgentJobConfig b) {
        return Objects.equals(a.trigger(), b.trigger()) && a.durationSeconds() == b.durationSeconds();
    }
}
