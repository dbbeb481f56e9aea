package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.agent.metrics.AgentMetrics;
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
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * A trigger-mode job on the node's shared samplers. While armed, the job's metric is read once a
 * second (on the watcher's thread) and the job keeps a history: back-to-back slices of
 * {@link #HISTORY_SLICE} of the shared sampler's cuts (its pods, its CPUs), each analysed and kept
 * in a ring of the last {@link #HISTORY_LENGTH}; the node samples at least at
 * {@link #HISTORY_FREQUENCY_HZ} for it. When the metric has stayed above the threshold for
 * {@code for}, the history is cut at the next step (within a tick of the firing), a window opens
 * from the firing to {@code duration} later (the node samples at least at the job's rate, and runs
 * off-CPU if the job asks), and when it closes the window goes to the {@link JobSliceSink} with the
 * ring's slices as its history. Then the cooldown (the watcher's) and the history again.
 *
 * <p>All methods but the watcher's callback run on the agent's run thread; analyses run on its
 * analysis thread, in order.
 */
final class SharedTrigger implements AutoCloseable {

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

    private final AgentJob job;
    private final int windowFrequencyHz;
    private final PrintStream log;
    private final AgentMetrics metrics;
    private final InstantSource clock;
    private final SliceRing<SliceResult> ring;
    private final ConcurrentLinkedQueue<Fired> firings = new ConcurrentLinkedQueue<>();
    private final TriggerStateReporter reporter;
    private final TriggerWatcher<SliceResult> watcher;
    /** The selected pods' cgroup directories, read by the pod-cpu metric on the watcher's thread. */
    private volatile List<Path> podCgroups = List.of();

    private JobSliceBuilder history;
    private Instant historyEnds;
    private JobSliceBuilder window;
    private SliceWindow windowSpan;
    private List<SliceResult> windowHistory;
    private int windows;

    SharedTrigger(
            String node,
            AgentJob job,
            int windowFrequencyHz,
            TriggerStateSink states,
            AgentMetrics metrics,
            PrintStream log,
            InstantSource clock,
            int nodeCpus) {
        this.job = job;
        this.windowFrequencyHz = windowFrequencyHz;
        this.metrics = metrics;
        this.log = log;
        this.clock = clock;
        this.ring = new SliceRing<>(
                (int) (HISTORY_LENGTH.toSeconds() / HISTORY_SLICE.toSeconds()) + 1, HISTORY_LENGTH, clock);
        this.reporter = new TriggerStateReporter(states, job.key(), node, clock, log);
        TriggerSpec trigger = job.trigger();
        Duration forDuration = SpecFormats.parseDuration("trigger.for", trigger.effectiveFor());
        Duration cooldown = SpecFormats.parseDuration("trigger.cooldown", trigger.effectiveCooldown());
        MetricSource metric = TriggerMetricSources.of(trigger, () -> podCgroups, nodeCpus);
        this.watcher = new TriggerWatcher<>(
                metric,
                new TriggerStateMachine(
                        new TriggerSettings(trigger.threshold, forDuration, job.duration(), cooldown), clock),
                ring,
                new TriggerListener<>() {
                    @Override
                    public void fired(String name, Firing firing, List<SliceResult> before) {
                        firings.add(new Fired(name, firing, before));
                    }

                    @Override
                    public void profilingEnded(String name, Firing firing) {
                        // The run closes the window itself, at firing.profilingEnds().
                    }
                },
                clock);
        log.printf(
                "trigger of %s armed on %s: %s > %.0f%% for %ds, then profile %ds, cooldown %ds%n",
                job.displayName(),
                node,
                metric.name(),
                trigger.threshold,
                forDuration.toSeconds(),
                job.duration().toSeconds(),
                cooldown.toSeconds());
    }

    AgentJob job() {
        return job;
    }

    /** Starts reading the metric and keeping the history. */
    void start(Instant now) {
        watcher.start(POLL_PERIOD);
        openHistory(now);
    }

    /** The pods' cgroup directories for the pod-cpu metric. */
    void podCgroups(List<Path> directories) {
        podCgroups = List.copyOf(directories);
    }

    /** Whether the job has had its {@code runs} windows. */
    boolean done() {
        return job.runs() != null && windows >= job.runs() && window == null;
    }

    /** Whether something happens now that needs a cut: a history slice or window ends, or a firing came. */
    boolean due(Instant now) {
        return (window != null && !now.isBefore(windowSpan.end()))
                || (window == null && !firings.isEmpty())
                || (history != null && !now.isBefore(historyEnds));
    }

    /** When the next history slice or window ends (firings are seen at the run's ticks). */
    Instant nextBoundary() {
        if (window != null) {
            return windowSpan.end();
        }
        return history == null ? Instant.MAX : historyEnds;
    }

    /** What the job needs from the samplers now: its rate and whether off-CPU runs. */
    int frequencyHz() {
        return window != null ? windowFrequencyHz : HISTORY_FREQUENCY_HZ;
    }

    boolean offCpu() {
        return window != null && job.offCpu();
    }

    /** Whether the net-rx sampler should run for this job now (only while a window is open). */
    boolean netRx() {
        return window != null && job.netRx();
    }

    /** Whether a window (after a firing) is open. */
    boolean profiling() {
        return window != null;
    }

    /** Whether the job counts anything now (history or window). */
    boolean open() {
        return window != null || history != null;
    }

    /** Adds a cut to what is open: the window, or the history. */
    void add(SharedSamplers.Cut cut, java.util.function.LongPredicate selected) {
        if (window != null) {
            window.add(cut, selected);
        } else if (history != null) {
            history.add(cut, selected);
        }
    }

    /**
     * After a cut: closes what ended and opens what starts, and hands the analyses to run, in order.
     *
     * @param analyse analyses a closed slice of this job (on the analysis thread) and gives its result
     */
    void afterCut(
            Instant now,
            JobSliceSink sink,
            List<dev.ebpf.profiling.api.ingest.AgentLimitation> limitations,
            java.util.function.BiConsumer<JobSliceBuilder, Consumer<SliceResult>> analyse) {
        if (window != null && !now.isBefore(windowSpan.end())) {
            JobSliceBuilder closed = window;
            SliceWindow span = windowSpan;
            List<SliceResult> before = windowHistory;
            window = null;
            windows++;
            analyse.accept(closed, result -> {
                sink.publish(job, span, result, List.copyOf(before), limitations);
                log.printf(
                        "window %s-%s of %s: %d applications, %d samples, %d history slices%n",
                        result.profile().start(),
                        result.profile().end(),
                        job.displayName(),
                        result.profile().topApplications().size(),
                        result.profile().totalSamples(),
                        before.size());
            });
            reporter.write(watcher.status());
            if (!done()) {
                openHistory(now);
            }
            return;
        }
        Fired fired = window == null ? firings.poll() : null;
        if (fired != null) {
            // Cut the history right up to the firing; the window runs from the firing on.
            List<SliceResult> before = Collections.synchronizedList(new ArrayList<>(fired.before()));
            JobSliceBuilder last = history;
            history = null;
            if (last != null && !last.isEmpty()) {
                analyse.accept(last, result -> {
                    before.addAll(ring.takeAll()); // analysed while the watcher was handing the firing over
                    before.add(result);
                });
            }
            Firing firing = fired.firing();
            String result = AgentContract.jobResultName(job.key().name(), firing.at());
            NodeTriggerState.TriggerFiring reported = reporter.fired(watcher.status(), firing, result);
            metrics.triggerFired(fired.metric());
            log.println(reported.message() + " -> profiling until " + firing.profilingEnds());
            window = new JobSliceBuilder(cpuList(), job.offCpu(), job.netRx());
            windowSpan = new SliceWindow(firing.at(), firing.profilingEnds());
            windowHistory = before;
            return;
        }
        if (history != null && !now.isBefore(historyEnds)) {
            JobSliceBuilder closed = history;
            openHistory(now);
            if (!closed.isEmpty()) {
                analyse.accept(closed, result -> ring.add(clock.instant(), result));
            }
            reporter.maybeReport(watcher.status());
        }
    }

    private void openHistory(Instant now) {
        history = new JobSliceBuilder(cpuList(), false);
        historyEnds = now.plus(HISTORY_SLICE);
    }

    private List<Integer> cpuList() {
        return job.cpus() == null
                ? null
                : dev.ebpf.profiling.api.job.CpuList.parseWithin(
                                job.cpus(), dev.ebpf.profiling.agent.cpu.OnlineCpus.read())
                        .cpus();
    }

    /** Stops reading the metric; what is open is dropped. */
    @Override
    public void close() {
        watcher.close();
        history = null;
        window = null;
    }
}
