package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.agent.cpu.CpuList;
import dev.ebpf.profiling.agent.cpu.OnlineCpus;
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
import dev.ebpf.profiling.api.job.NodeTriggerState;
import dev.ebpf.profiling.api.job.SpecFormats;
import dev.ebpf.profiling.api.job.TriggerSpec;
import dev.ebpf.profiling.api.profile.NodeProfile;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Trigger mode of {@code node-agent run}, one per trigger-mode job on the node (run on its own
 * thread by {@link TriggerJob}). While armed, the job's metric is read once a second and a low-rate
 * on-CPU sampler keeps the last {@link #HISTORY_LENGTH} as a ring of slices. When the metric has
 * stayed above the threshold for {@code for}, the agent profiles at the job's rate for
 * {@code duration} and hands that window to the {@link JobSliceSink} (its slice starts at the
 * firing), with the ring's slices (the moments before the firing) as its history; then it waits out
 * the cooldown. The {@link TriggerStateSink} hears of every firing at once and of the metric's
 * current value meanwhile.
 *
 * <p>It runs on its own samplers (BPF objects of its own), beside the node's shared ones: a trigger
 * window is not cut on the other jobs' boundaries. A changed job (new generation) is a new run.
 *
 * <p>The watcher polls on its own thread and only hands firings over; sampling, analysis and the
 * reports happen on the caller's thread, so a slow sink never delays the metric polls.
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

    private final String node;
    private final AgentJob job;
    private final int frequencyHz;
    private final Supplier<Set<String>> podUids;
    private final Supplier<Map<String, Pod>> visiblePods;
    private final PodCgroupIndex podCgroups;
    private final SliceAnalysis analysis;
    private final JobSliceSink sink;
    private final TriggerStateSink states;
    private final PrintStream log;
    private final AgentMetrics metrics;
    private final InstantSource clock = InstantSource.system();
    private final BlockingQueue<Fired> firings = new LinkedBlockingQueue<>();
    private final SliceRing<SliceResult> ring =
            new SliceRing<>((int) (HISTORY_LENGTH.toSeconds() / HISTORY_SLICE.toSeconds()) + 1, HISTORY_LENGTH, clock);
    /** The selected pods' cgroup directories, refreshed by the slice loop and read by the pod-cpu metric. */
    private volatile List<Path> selectedPodCgroups = List.of();

    /**
     * @param frequencyHz the window's on-CPU rate (the job's, capped by the node's policy)
     * @param podUids     the job's pods on this node now
     * @param visiblePods the pods its results may name
     */
    TriggerRun(
            String node,
            AgentJob job,
            int frequencyHz,
            Supplier<Set<String>> podUids,
            Supplier<Map<String, Pod>> visiblePods,
            PodCgroupIndex podCgroups,
            SliceAnalysis analysis,
            JobSliceSink sink,
            TriggerStateSink states,
            PrintStream log,
            AgentMetrics metrics) {
        this.node = node;
        this.job = job;
        this.frequencyHz = frequencyHz;
        this.podUids = podUids;
        this.visiblePods = visiblePods;
        this.podCgroups = podCgroups;
        this.analysis = analysis;
        this.sink = sink;
        this.states = states;
        this.log = log;
        this.metrics = metrics;
    }

    /** Runs until the job's {@code runs} windows are published (forever when it has none) or the thread is interrupted. */
    void run() {
        CpuList cpus = job.cpus() == null ? OnlineCpus.read() : CpuList.parseWithin(job.cpus(), OnlineCpus.read());
        TriggerStateReporter reporter = new TriggerStateReporter(states, job.key(), node, clock, log);
        refreshSelectedPods();
        TriggerWatcher<SliceResult> watcher = watch(cpus);
        NodeSamplers history = null;
        int windows = 0;
        try {
            history = startHistory(cpus);
            while (job.runs() == null || windows < job.runs()) {
                Fired fired = firings.poll(HISTORY_SLICE.toMillis(), TimeUnit.MILLISECONDS);
                if (fired == null) {
                    ring.add(clock.instant(), analysis.cutAndAnalyze(history, job.top(), visiblePods.get()));
                    reporter.maybeReport(watcher.status());
                    Set<Long> allowed = refreshSelectedPods();
                    if (!job.nodeWide()) {
                        history.allowOnly(allowed);
                    }
                    continue;
                }
                List<SliceResult> before = new ArrayList<>(fired.before());
                before.addAll(ring.takeAll()); // cut while the watcher was handing the firing over
                before.add(analysis.cutAndAnalyze(history, job.top(), visiblePods.get())); // right up to the firing
                history.close();
                history = null;

                Firing firing = fired.firing();
                String result = AgentContract.resultName(job.key().name(), node, firing.at());
                NodeTriggerState.TriggerFiring reported = reporter.fired(watcher.status(), firing, result);
                metrics.triggerFired(fired.metric());
                log.println(reported.message() + " -> profiling until " + firing.profilingEnds());

                SliceResult window = profileWindow(cpus, firing);
                sink.publish(job.key(), new SliceWindow(firing.at(), firing.profilingEnds()), window, before);
                windows++;
                NodeProfile profile = window.profile();
                log.printf(
                        "window %s-%s of %s: %d applications, %d samples, %d history slices%n",
                        profile.start(),
                        profile.end(),
                        job.displayName(),
                        profile.topApplications().size(),
                        profile.totalSamples(),
                        before.size());
                reporter.write(watcher.status());
                if (job.runs() == null || windows < job.runs()) {
                    history = startHistory(cpus);
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
    private Set<Long> refreshSelectedPods() {
        List<Path> directories = job.nodeWide() ? List.of() : podCgroups.podCgroupDirectories(podUids.get());
        selectedPodCgroups = directories;
        return PodCgroupIndex.cgroupIds(directories);
    }

    /** Arms a watcher for the job's trigger; it hands firings to the slice loop through the queue. */
    private TriggerWatcher<SliceResult> watch(CpuList cpus) {
        TriggerSpec trigger = job.trigger();
        Duration forDuration = SpecFormats.parseDuration("trigger.for", trigger.effectiveFor());
        Duration cooldown = SpecFormats.parseDuration("trigger.cooldown", trigger.effectiveCooldown());
        MetricSource metric = TriggerMetricSources.of(
                trigger, () -> selectedPodCgroups, cpus.cpus().size());
        TriggerSettings settings = new TriggerSettings(trigger.threshold, forDuration, job.duration(), cooldown);
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
                "trigger of %s armed on %s: %s > %.0f%% for %ds, then profile %ds, cooldown %ds%n",
                job.displayName(),
                node,
                metric.name(),
                trigger.threshold,
                forDuration.toSeconds(),
                job.duration().toSeconds(),
                cooldown.toSeconds());
        return watcher;
    }

    /** The low-rate on-CPU sampler that feeds the ring. */
    private NodeSamplers startHistory(CpuList cpus) {
        return NodeSamplers.start(
                cpus.cpus(),
                HISTORY_FREQUENCY_HZ,
                false,
                job.nodeWide(),
                job.nodeWide() ? Set.of() : refreshSelectedPods());
    }

    /** Profiles at the job's rate (and off-CPU if asked) until the firing's window ends. */
    private SliceResult profileWindow(CpuList cpus, Firing firing) throws InterruptedException {
        try (NodeSamplers window = NodeSamplers.start(
                cpus.cpus(),
                frequencyHz,
                job.offCpu(),
                job.nodeWide(),
                job.nodeWide() ? Set.of() : refreshSelectedPods())) {
            Deadlines.sleepUntil(firing.profilingEnds());
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("stopped during a trigger window");
            }
            return analysis.cutAndAnalyze(window, job.top(), visiblePods.get());
        }
    }
}
