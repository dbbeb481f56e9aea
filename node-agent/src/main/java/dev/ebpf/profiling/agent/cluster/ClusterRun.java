package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.agent.bpf.SamplingEvent;
import dev.ebpf.profiling.agent.cgroup.CgroupMount;
import dev.ebpf.profiling.agent.cgroup.CgroupPathParser;
import dev.ebpf.profiling.agent.cgroup.CgroupResolver;
import dev.ebpf.profiling.agent.cgroup.Workload;
import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import dev.ebpf.profiling.agent.metrics.AgentMetrics;
import dev.ebpf.profiling.agent.profile.BlockedThreads;
import dev.ebpf.profiling.agent.profile.Deadlines;
import dev.ebpf.profiling.agent.profile.SliceResult;
import dev.ebpf.profiling.agent.sampler.CpuTimeSampler;
import dev.ebpf.profiling.agent.sampler.NetRxSampler;
import dev.ebpf.profiling.agent.sampler.OffCpuSampler;
import dev.ebpf.profiling.agent.sampler.Unwinding;
import dev.ebpf.profiling.agent.symbolize.MappingTracker;
import dev.ebpf.profiling.api.ingest.AgentLimitation;
import dev.ebpf.profiling.api.ingest.JobKey;
import dev.ebpf.profiling.api.job.CpuList;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongPredicate;

/**
 * The agent's cluster mode ({@code node-agent run}): one agent per node serves every ProfilingJob
 * that targets the node, with one sampler set.
 *
 * <p>It acts only on what tenants cannot write: the jobs the operator accepted (Ready=True at the
 * current generation, {@link JobAcceptance}), this node's pods, and its own environment
 * ({@link NodePolicy}: node-wide namespaces, rate cap). It resolves each job's pods itself (its
 * namespace, its selector, this node).
 *
 * <p>The samplers ({@link SharedSamplers}) count, in the kernel, the union of the jobs whose window
 * is open: their pods' cgroups (everything, for a node-wide job), on their CPUs, at the highest rate
 * they ask for (capped). The run cuts the samplers at every window boundary of any job, and at every
 * change of rate or CPUs; each cut goes to every job whose window is open, split in user space by
 * cgroup and CPU ({@link JobSliceBuilder}). When a job's window closes its slice is analysed and
 * handed to the {@link JobSliceSink}. Jobs come and go without the samplers being loaded again:
 * the on-CPU sampler is loaded when the run starts and stays loaded, counting nothing while no
 * window is open.
 *
 * <p>Trigger-mode jobs share the samplers too ({@link SharedTrigger}): while armed they keep a
 * history of their pods at a low rate, and a firing opens a window at the job's rate; the metric is
 * read on a thread per job.
 */
public final class ClusterRun implements AutoCloseable {

    /** How often the run looks at the jobs and pods when no boundary is due sooner. */
    static final Duration TICK = Duration.ofMillis(250);
    /** How often the pods' cgroup directories are looked up again (pods start after they are scheduled). */
    static final Duration CGROUP_REFRESH = Duration.ofSeconds(5);
    /**
     * The on-CPU rate while the node has no job: the sampler stays loaded (so that a job's first
     * slice starts at once), counting nothing, at a low prime rate.
     */
    static final int IDLE_FREQUENCY_HZ = 19;
    /** How long a stopping agent waits for the slices it is still analysing. */
    static final Duration ANALYSIS_DRAIN = Duration.ofSeconds(20);

    /** One trigger-mode job on this node and its pods. */
    private static final class TriggerState {
        final SharedTrigger trigger;
        Set<String> podUids = Set.of();
        Set<String> podCgroupsOf;
        Instant podCgroupsReadAt = Instant.EPOCH;

        TriggerState(SharedTrigger trigger) {
            this.trigger = trigger;
        }
    }

    /** What one job asks of the samplers now. */
    private record Demand(
            List<Integer> cpus,
            boolean nodeWide,
            Set<String> podUids,
            boolean offCpu,
            boolean netRx,
            int frequencyHz) {}

    /** One general or filter job on this node. */
    private static final class JobState {
        AgentJob job;
        Set<String> podUids = Set.of();
        SliceWindow window;
        JobSliceBuilder slice; // non-null while the window is open
        int published;

        JobState(AgentJob job) {
            this.job = job;
        }
    }

    private final String node;
    private final JobSource source;
    private final NodePolicy policy;
    private final CgroupResolver cgroups;
    private final PodCgroupIndex podCgroups;
    private final SliceAnalysis analysis;
    private final JobSliceSink sink;
    private final TriggerStateSink triggerSink;
    private final AgentMetrics metrics;
    private final PrintStream log;
    private final InstantSource clock;
    private final SharedSamplers samplers;
    private final MappingTracker mappings;
    private boolean offCpuUnavailableSaid;
    /**
     * The online CPUs, read again every {@link #CGROUP_REFRESH}: CPUs rarely go on or off line, and
     * reading sysfs for every job at every step was a good part of the step's cost.
     */
    private CpuList online = OnlineCpus.read();

    private Instant onlineReadAt = Instant.EPOCH;

    private boolean cpuTimeUnavailableSaid;

    private boolean netRxUnavailableSaid;
    private final long rootCgroupId;
    private final ExecutorService analysisThread = Executors.newSingleThreadExecutor(
            task -> Thread.ofPlatform().daemon(true).name("slice-analysis").unstarted(task));

    private final Map<String, JobState> jobs = new LinkedHashMap<>();
    private final Map<String, TriggerState> triggers = new LinkedHashMap<>();
    /** uid@generation of jobs this node will not run (logged once) or has finished. */
    private final Set<String> ignored = new HashSet<>();

    private final Set<String> finished = new HashSet<>();
    private volatile Map<String, Pod> podsByUid = Map.of();
    private Set<String> cgroupUids = Set.of();
    private Map<String, Long> cgroupIds = Map.of();
    private Instant cgroupsReadAt = Instant.EPOCH;
    private volatile boolean stopping;

    public ClusterRun(
            String node,
            JobSource source,
            NodePolicy policy,
            CgroupMount mount,
            JobSliceSink sink,
            TriggerStateSink triggerSink,
            AgentMetrics metrics,
            PrintStream log) {
        this(node, source, policy, mount, sink, triggerSink, metrics, log, SamplingEvent.CPU_CYCLES);
    }

    ClusterRun(
            String node,
            JobSource source,
            NodePolicy policy,
            CgroupMount mount,
            JobSliceSink sink,
            TriggerStateSink triggerSink,
            AgentMetrics metrics,
            PrintStream log,
            SamplingEvent preferredEvent) {
        this(node, source, policy, mount, sink, triggerSink, metrics, log, preferredEvent, NetRxSampler::start);
    }

    /** @param netRxStarter starts the net-rx sampler; tests give one that fails as an old kernel would */
    ClusterRun(
            String node,
            JobSource source,
            NodePolicy policy,
            CgroupMount mount,
            JobSliceSink sink,
            TriggerStateSink triggerSink,
            AgentMetrics metrics,
            PrintStream log,
            SamplingEvent preferredEvent,
            Function<NetRxSampler.Settings, NetRxSampler> netRxStarter) {
        this.node = node;
        this.source = source;
        this.policy = policy;
        this.cgroups = new CgroupResolver(mount, InstantSource.system());
        this.podCgroups = new PodCgroupIndex(mount);
        this.analysis = new SliceAnalysis(node, cgroups, metrics);
        this.sink = sink;
        this.triggerSink = triggerSink;
        this.metrics = metrics;
        this.log = log;
        this.clock = InstantSource.system();
        // Before the samplers: processes that start and exit inside a slice keep their frames.
        this.mappings = analysis.trackMappings();
        // Off-CPU counts the waits already under way when it starts (a hung reader), not only new ones.
        BlockedThreads blocked = new BlockedThreads(Path.of("/proc"), mount, analysis.kernelSymbols());
        this.samplers = new SharedSamplers(
                preferredEvent,
                settings -> OffCpuSampler.start(settings, blocked::scan),
                CpuTimeSampler::start,
                netRxStarter);
        this.rootCgroupId = inode(mount);
        // Said once at start; every report carries it to the jobs' status.
        analysis.limitations().forEach(limitation -> {
            log.println("warning: " + limitation.message());
            metrics.limitation(limitation.reason());
        });
    }

    /** What this node runs without, for every report: the analysis's limits and, once it failed, off-CPU. */
    private List<AgentLimitation> limitations() {
        List<AgentLimitation> all = new ArrayList<>(analysis.limitations());
        samplers.offCpuUnavailable()
                .ifPresent(reason -> all.add(new AgentLimitation(AgentLimitation.OFF_CPU_UNAVAILABLE, reason)));
        samplers.cpuTimeUnavailable()
                .ifPresent(reason -> all.add(new AgentLimitation(
                        AgentLimitation.EXACT_CPU_UNAVAILABLE, reason + "; CPU% comes from samples")));
        samplers.netRxUnavailable()
                .ifPresent(reason -> all.add(new AgentLimitation(AgentLimitation.NET_RX_UNAVAILABLE, reason)));
        return List.copyOf(all);
    }

    /** The first time off-CPU or CPU time failed to start: one log line and the limitation gauge. */
    private void sayOnceIfSamplersLimited() {
        if (!cpuTimeUnavailableSaid && samplers.cpuTimeUnavailable().isPresent()) {
            cpuTimeUnavailableSaid = true;
            log.println("warning: exact CPU time is unavailable on this node, CPU% comes from samples: "
                    + samplers.cpuTimeUnavailable().get());
            metrics.limitation(AgentLimitation.EXACT_CPU_UNAVAILABLE);
        }
        if (!offCpuUnavailableSaid && samplers.offCpuUnavailable().isPresent()) {
            offCpuUnavailableSaid = true;
            log.println("warning: off-CPU sampling is unavailable on this node, jobs get on-CPU slices only: "
                    + samplers.offCpuUnavailable().get());
            metrics.limitation(AgentLimitation.OFF_CPU_UNAVAILABLE);
        }
        if (!netRxUnavailableSaid && samplers.netRxUnavailable().isPresent()) {
            netRxUnavailableSaid = true;
            log.println("warning: the net-rx profiler is unavailable on this node, jobs get slices without it: "
                    + samplers.netRxUnavailable().get());
            metrics.limitation(AgentLimitation.NET_RX_UNAVAILABLE);
        }
    }

    /** Serves the jobs until {@link #stop()} or an interrupt. */
    public void run() {
        try {
            String lastFailure = null;
            while (!stopping && !Thread.currentThread().isInterrupted()) {
                Instant now = clock.instant();
                try {
                    step(now);
                    lastFailure = null;
                } catch (RuntimeException e) {
                    // The kernel or the system refused something (a sampler, a perf event): say so
                    // once, keep the jobs, and try again at the next tick.
                    if (!e.toString().equals(lastFailure)) {
                        log.println("step failed on " + node + " (retried every " + TICK.toMillis() + " ms): " + e);
                        lastFailure = e.toString();
                    }
                }
                Instant wake = now.plus(TICK);
                for (JobState state : jobs.values()) {
                    Instant boundary = state.slice == null ? state.window.start() : state.window.end();
                    if (boundary.isBefore(wake)) {
                        wake = boundary;
                    }
                }
                for (TriggerState state : triggers.values()) {
                    if (state.trigger.nextBoundary().isBefore(wake)) {
                        wake = state.trigger.nextBoundary();
                    }
                }
                Deadlines.sleepUntil(wake);
            }
        } finally {
            close();
        }
    }

    /** Asks {@link #run()} to return after its current step. */
    public void stop() {
        stopping = true;
    }

    /** How many times the on-CPU sampler was loaded (it stays loaded while the node has jobs). */
    public int onCpuSamplerStarts() {
        return samplers.onCpuStarts();
    }

    /** One look at the jobs and the clock: windows that open or close now, samplers set to match. */
    void step(Instant now) {
        if (!now.isBefore(onlineReadAt.plus(CGROUP_REFRESH))) {
            online = OnlineCpus.read();
            onlineReadAt = now;
        }
        refreshJobs(now);
        // What happens at this step: windows that close (and the job's next window), windows that open.
        Map<JobState, SliceWindow> closing = new LinkedHashMap<>();
        Set<JobState> openAfter = new HashSet<>();
        for (JobState state : jobs.values()) {
            if (state.slice != null && !now.isBefore(state.window.end())) {
                SliceWindow next = lastRun(state) ? null : JobClock.next(state.job, state.window, now);
                closing.put(state, next);
                if (next != null && !now.isBefore(next.start())) {
                    openAfter.add(state); // back to back: the next window opens at this very cut
                }
            } else if (state.slice != null || !now.isBefore(state.window.start())) {
                openAfter.add(state);
            }
        }
        boolean opens = openAfter.stream().anyMatch(s -> s.slice == null || closing.containsKey(s));
        boolean triggerDue = triggers.values().stream().anyMatch(t -> t.trigger.due(now));
        SharedSamplers.Plan wanted = plan(openAfter, now);

        // 1. Cut at a boundary, or before the rate or CPUs change, and give the cut to the open windows.
        Duration drain = Duration.ZERO;
        boolean cutNow = samplers.started()
                && (!closing.isEmpty() || opens || triggerDue || wanted.needsCutFrom(samplers.plan()));
        if (cutNow) {
            long cutStarted = System.nanoTime();
            SharedSamplers.Cut cut = samplers.cut();
            drain = Duration.ofNanos(System.nanoTime() - cutStarted);
            distribute(cut);
        }
        // 2. Close and open windows, and set the samplers for the open ones before any analysis.
        List<Closed> closed = new ArrayList<>();
        closing.forEach((state, next) -> {
            closed.add(new Closed(state.job, state.window, state.slice));
            state.slice = null;
            state.published++;
            if (next == null) {
                finished.add(instance(state.job.key()));
                jobs.remove(state.job.key().uid());
                log.printf(
                        "job %s: %d of %d slices done on %s%n",
                        state.job.displayName(), state.published, state.job.runs(), node);
            } else {
                state.window = next;
            }
        });
        for (JobState state : openAfter) {
            if (state.slice == null) {
                if (!now.isBefore(state.window.end())) {
                    state.window = JobClock.next(state.job, state.window, now); // missed entirely
                    continue;
                }
                state.slice = new JobSliceBuilder(cpuList(state.job), state.job.offCpu(), state.job.netRx());
            }
        }
        if (cutNow || !samplers.started()) {
            for (TriggerState state : triggers.values()) {
                AgentJob job = state.trigger.job();
                Map<String, Pod> visible = visiblePods(job);
                Duration drained = drain;
                state.trigger.afterCut(
                        now,
                        sink,
                        limitations(),
                        (builder, then) -> analysisThread.execute(() -> {
                            try {
                                then.accept(analysis.analyze(
                                        builder.onCpu(),
                                        builder.offCpu(),
                                        builder.cpuTime(),
                                        builder.netRx(),
                                        job.top(),
                                        visible,
                                        drained));
                            } catch (RuntimeException e) {
                                log.println("a slice of " + job.displayName() + " failed: " + e);
                            }
                        }));
            }
            wanted = plan(openAfter, now); // a firing or a closed window changes what the triggers ask
        }
        samplers.apply(wanted);
        sayOnceIfSamplersLimited();
        // 3. Analyse and publish the windows that closed, on the analysis thread: symbolizing one
        //    job's slice must not delay the next boundary of another.
        for (Closed slice : closed) {
            Map<String, Pod> visible = visiblePods(slice.job());
            Duration drained = drain;
            analysisThread.execute(() -> publish(slice, visible, drained));
        }
    }

    /** A closed window of a job and what it counted. */
    private record Closed(AgentJob job, SliceWindow window, JobSliceBuilder slice) {}

    private static boolean lastRun(JobState state) {
        return state.job.runs() != null && state.published + 1 >= state.job.runs();
    }

    private void distribute(SharedSamplers.Cut cut) {
        Map<Long, Optional<String>> podOfCgroup = new HashMap<>();
        for (JobState state : jobs.values()) {
            if (state.slice == null) {
                continue;
            }
            LongPredicate selected;
            if (state.job.nodeWide()) {
                selected = id -> true;
            } else {
                Set<String> uids = state.podUids;
                selected = id -> podOfCgroup
                        .computeIfAbsent(id, this::podUidOf)
                        .map(uids::contains)
                        .orElse(false);
            }
            state.slice.add(cut, selected);
        }
        for (TriggerState state : triggers.values()) {
            Set<String> uids = state.podUids;
            LongPredicate selected = state.trigger.job().nodeWide()
                    ? id -> true
                    : id -> podOfCgroup
                            .computeIfAbsent(id, this::podUidOf)
                            .map(uids::contains)
                            .orElse(false);
            state.trigger.add(cut, selected);
        }
    }

    private Optional<String> podUidOf(long cgroupId) {
        return cgroups.pathOf(cgroupId)
                .map(CgroupPathParser::parse)
                .filter(Workload::isPod)
                .map(Workload::podUid);
    }

    private void publish(Closed closed, Map<String, Pod> visible, Duration drain) {
        if (closed.slice().isEmpty()) {
            return; // the samplers had not started: nothing was counted
        }
        AgentJob job = closed.job();
        try {
            JobSliceBuilder slice = closed.slice();
            SliceResult result = analysis.analyze(
                    slice.onCpu(), slice.offCpu(), slice.cpuTime(), slice.netRx(), job.top(), visible, drain);
            sink.publish(job, closed.window(), result, List.of(), limitations());
        } catch (RuntimeException e) {
            log.println("slice " + closed.window().start() + " of " + job.displayName() + " failed: " + e);
        }
    }

    /** The pods a job's result may name: its namespace's, or every pod on the node for a node-wide job. */
    private Map<String, Pod> visiblePods(AgentJob job) {
        if (job.nodeWide()) {
            return podsByUid;
        }
        Map<String, Pod> visible = new HashMap<>();
        podsByUid.forEach((uid, pod) -> {
            if (job.key().namespace().equals(pod.getMetadata().getNamespace())) {
                visible.put(uid, pod);
            }
        });
        return visible;
    }

    /** What the samplers should do for the open windows and the triggers' histories and windows. */
    private SharedSamplers.Plan plan(Set<JobState> open, Instant now) {
        List<Demand> demands = new ArrayList<>();
        for (JobState state : open) {
            demands.add(new Demand(
                    cpuList(state.job),
                    state.job.nodeWide(),
                    state.podUids,
                    state.job.offCpu(),
                    state.job.netRx(),
                    policy.capped(state.job.frequencyHz())));
        }
        for (TriggerState state : triggers.values()) {
            SharedTrigger trigger = state.trigger;
            if (trigger.open()) {
                demands.add(new Demand(
                        cpuList(trigger.job()),
                        trigger.job().nodeWide(),
                        state.podUids,
                        trigger.offCpu(),
                        trigger.netRx(),
                        policy.capped(trigger.frequencyHz())));
            }
        }
        Unwinding unwinding = unwinding();
        if (demands.isEmpty()) {
            // Nothing open: the samplers stay loaded (a window that opens costs a cut, not a load)
            // and count nothing; without any job they tick at the idle rate.
            SharedSamplers.Plan current = samplers.plan();
            if ((jobs.isEmpty() && triggers.isEmpty()) || current == null) {
                return new SharedSamplers.Plan(online.cpus(), IDLE_FREQUENCY_HZ, Set.of(), false, false, unwinding);
            }
            return new SharedSamplers.Plan(current.cpus(), current.frequencyHz(), Set.of(), false, false, unwinding);
        }
        TreeSet<Integer> cpus = new TreeSet<>();
        boolean allCpus = false;
        boolean nodeWide = false;
        boolean offCpu = false;
        boolean netRx = false;
        int frequencyHz = 0;
        Set<String> uids = new HashSet<>();
        for (Demand demand : demands) {
            if (demand.cpus() == null) {
                allCpus = true;
            } else {
                cpus.addAll(demand.cpus());
            }
            nodeWide |= demand.nodeWide();
            // Net-rx's late readers are explained with their blocked stacks: off-CPU runs with it.
            offCpu |= demand.offCpu() || demand.netRx();
            netRx |= demand.netRx();
            frequencyHz = Math.max(frequencyHz, demand.frequencyHz());
            uids.addAll(demand.podUids());
        }
        Set<Long> allowed = nodeWide ? Set.of(rootCgroupId) : cgroupIdsOf(uids, now);
        return new SharedSamplers.Plan(
                allCpus ? online.cpus() : List.copyOf(cpus), frequencyHz, allowed, offCpu, netRx, unwinding);
    }

    /**
     * DWARF while any job this node serves asks for it (open window or not, so that a window
     * opening costs a cut, not a load of the program); frame pointers when every job asks for
     * them. Without any job: what the sampler does now (a node between jobs keeps its program),
     * and before the first job the spec's default, so that jobs that keep it load the program
     * once.
     */
    private Unwinding unwinding() {
        boolean anyJob = !jobs.isEmpty() || !triggers.isEmpty();
        if (!anyJob) {
            SharedSamplers.Plan current = samplers.plan();
            return current == null ? Unwinding.of(ProfilingJobSpec.DEFAULT_UNWINDING) : current.unwinding();
        }
        boolean dwarf = jobs.values().stream().anyMatch(s -> s.job.unwinding() == Unwinding.DWARF)
                || triggers.values().stream().anyMatch(t -> t.trigger.job().unwinding() == Unwinding.DWARF);
        return dwarf ? Unwinding.DWARF : Unwinding.FRAME_POINTERS;
    }

    /** The cgroup ids of these pods' cgroups, looked up again when the pods change or every {@link #CGROUP_REFRESH}. */
    private Set<Long> cgroupIdsOf(Set<String> uids, Instant now) {
        if (!uids.equals(cgroupUids) || !now.isBefore(cgroupsReadAt.plus(CGROUP_REFRESH))) {
            cgroupIds = podCgroups.podCgroupIds(uids);
            cgroupUids = Set.copyOf(uids);
            cgroupsReadAt = now;
        }
        return Set.copyOf(cgroupIds.values());
    }

    /** The job's CPUs among the online ones, or null for all. */
    private List<Integer> cpuList(AgentJob job) {
        return job.cpus() == null
                ? null
                : CpuList.parseWithin(job.cpus(), online).cpus();
    }

    /** Reads the accepted jobs and this node's pods; starts, changes and drops jobs to match. */
    private void refreshJobs(Instant now) {
        List<Pod> pods = source.podsOnNode();
        Map<String, Pod> byUid = new HashMap<>();
        pods.forEach(pod -> byUid.put(pod.getMetadata().getUid(), pod));
        podsByUid = byUid;

        Map<String, AgentJob> wanted = new LinkedHashMap<>();
        for (ProfilingJob resource : source.jobs()) {
            if (!JobAcceptance.accepted(resource)) {
                continue;
            }
            JobKey key = JobAcceptance.key(resource);
            String instance = instance(key);
            if (ignored.contains(instance) || finished.contains(instance) || succeeded(resource)) {
                continue;
            }
            AgentJob job;
            try {
                job = AgentJob.of(resource);
            } catch (IllegalArgumentException e) {
                ignore(
                        instance,
                        "job " + key.namespace() + "/" + key.name() + " ignored on " + node + ": " + e.getMessage());
                continue;
            }
            try {
                cpuList(job); // CPUs this node does not have: the operator checks, this node cannot run it
            } catch (IllegalArgumentException e) {
                ignore(instance, "job " + job.displayName() + " ignored on " + node + ": " + e.getMessage());
                continue;
            }
            Optional<String> refusal = policy.refusal(job);
            if (refusal.isPresent()) {
                ignore(instance, "job " + job.displayName() + " ignored on " + node + ": " + refusal.get());
                continue;
            }
            wanted.put(key.uid(), job);
        }
        updateTriggers(wanted, pods, now);
        wanted.values().removeIf(job -> job.mode() == Mode.TRIGGER);

        jobs.entrySet().removeIf(entry -> {
            AgentJob job = wanted.get(entry.getKey());
            if (job == null
                    || job.key().generation() != entry.getValue().job.key().generation()) {
                log.println("job " + entry.getValue().job.displayName() + " generation "
                        + entry.getValue().job.key().generation() + " no longer served on " + node);
                return true;
            }
            if (entry.getValue().slice == null && !targetsThisNode(job, pods)) {
                // Its last pod here is gone: its open window (if any) was finished first.
                log.println("job " + job.displayName() + " has no pod on " + node + " any more: not served here");
                return true;
            }
            return false;
        });
        for (AgentJob job : wanted.values()) {
            JobState state = jobs.get(job.key().uid());
            if (state == null && !targetsThisNode(job, pods)) {
                continue; // none of its pods runs here (yet): this node sends nothing for it
            }
            if (state == null) {
                state = new JobState(job);
                state.window = JobClock.first(job, now);
                jobs.put(job.key().uid(), state);
                log.printf(
                        "job %s (%s, generation %d) served on %s: first slice %s-%s%n",
                        job.displayName(),
                        job.mode().toString().toLowerCase(java.util.Locale.ROOT),
                        job.key().generation(),
                        node,
                        state.window.start(),
                        state.window.end());
            }
            state.podUids = NodePolicy.selectedPodUids(job, pods);
        }
    }

    /** Trigger-mode jobs: one {@link SharedTrigger} each, replaced when the job's generation changes. */
    private void updateTriggers(Map<String, AgentJob> wanted, List<Pod> pods, Instant now) {
        triggers.entrySet().removeIf(entry -> {
            AgentJob job = wanted.get(entry.getKey());
            SharedTrigger running = entry.getValue().trigger;
            boolean gone = job != null && !running.profiling() && !targetsThisNode(job, pods);
            if (job == null || job.key().generation() != running.job().key().generation() || running.done() || gone) {
                if (running.done()) {
                    finished.add(instance(running.job().key()));
                    log.printf(
                            "job %s: %d windows done on %s%n",
                            running.job().displayName(), running.job().runs(), node);
                } else {
                    log.println("job " + running.job().displayName() + " generation "
                            + running.job().key().generation() + " no longer served on " + node);
                }
                running.close();
                return true;
            }
            return false;
        });
        for (AgentJob job : wanted.values()) {
            if (job.mode() != Mode.TRIGGER || finished.contains(instance(job.key()))) {
                continue;
            }
            TriggerState state = triggers.get(job.key().uid());
            if (state == null && !targetsThisNode(job, pods)) {
                continue;
            }
            if (state == null) {
                state = new TriggerState(new SharedTrigger(
                        node,
                        job,
                        policy.capped(job.frequencyHz()),
                        triggerSink,
                        metrics,
                        log,
                        clock,
                        OnlineCpus.read().cpus().size()));
                triggers.put(job.key().uid(), state);
                state.trigger.start(now);
            }
            state.podUids = NodePolicy.selectedPodUids(job, pods);
            if (!job.nodeWide()
                    && (!state.podUids.equals(state.podCgroupsOf)
                            || !now.isBefore(state.podCgroupsReadAt.plus(CGROUP_REFRESH)))) {
                // The pod-cpu metric reads these directories' cpu.stat.
                state.trigger.podCgroups(podCgroups.podCgroupDirectories(state.podUids));
                state.podCgroupsOf = state.podUids;
                state.podCgroupsReadAt = now;
            }
        }
    }

    /**
     * Whether the job has something to profile on this node: every node for a node-wide job (the
     * operator runs the agent only on the nodes its jobs target), else at least one of its pods here.
     */
    private static boolean targetsThisNode(AgentJob job, List<Pod> pods) {
        return job.nodeWide() || !NodePolicy.selectedPodUids(job, pods).isEmpty();
    }

    /** A job whose operator already marked it Succeeded is not run again (an agent restarted after its runs). */
    private static boolean succeeded(ProfilingJob job) {
        return job.getStatus() != null
                && job.getStatus().conditions != null
                && job.getStatus().conditions.stream()
                        .anyMatch(
                                c -> ProfilingJobStatus.SUCCEEDED.equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private void ignore(String instance, String line) {
        if (ignored.add(instance)) {
            log.println(line);
        }
    }

    private static String instance(JobKey key) {
        return key.uid() + "@" + key.generation();
    }

    private static long inode(CgroupMount mount) {
        try {
            return ((Number) Files.getAttribute(mount.directory(), "unix:ino")).longValue();
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot read the root cgroup " + mount.directory() + ": " + e.getMessage(), e);
        }
    }

    /** Stops the trigger jobs and the samplers, and publishes the slices still being analysed. */
    @Override
    public void close() {
        triggers.values().forEach(state -> state.trigger.close());
        triggers.clear();
        samplers.close();
        mappings.close();
        analysisThread.shutdown();
        try {
            if (!analysisThread.awaitTermination(ANALYSIS_DRAIN.toSeconds(), TimeUnit.SECONDS)) {
                log.println("slices still in analysis after " + ANALYSIS_DRAIN.toSeconds() + " s are dropped");
                analysisThread.shutdownNow();
            }
        } catch (InterruptedException e) {
            analysisThread.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
