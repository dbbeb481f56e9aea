package dev.ebpf.profiling.agent.profile;

import dev.ebpf.profiling.agent.cgroup.Application;
import dev.ebpf.profiling.agent.cgroup.ApplicationResolver;
import dev.ebpf.profiling.agent.cgroup.CgroupResolver;
import dev.ebpf.profiling.agent.hotspot.BlockReasons;
import dev.ebpf.profiling.agent.hotspot.BlockedStack;
import dev.ebpf.profiling.agent.hotspot.FrameRules;
import dev.ebpf.profiling.agent.hotspot.HotspotAnalyzer;
import dev.ebpf.profiling.agent.hotspot.OffCpuAnalyzer;
import dev.ebpf.profiling.agent.hotspot.SliceHotspots;
import dev.ebpf.profiling.agent.hotspot.TaskState;
import dev.ebpf.profiling.agent.hotspot.VerdictRules;
import dev.ebpf.profiling.agent.netrx.NetRxAnalyzer;
import dev.ebpf.profiling.agent.sampler.CpuTimeKey;
import dev.ebpf.profiling.agent.sampler.NetRxAppCount;
import dev.ebpf.profiling.agent.sampler.NetRxSocketWait;
import dev.ebpf.profiling.agent.sampler.RawCpuTimeSlice;
import dev.ebpf.profiling.agent.sampler.RawNetRxSlice;
import dev.ebpf.profiling.agent.sampler.RawOffCpuSlice;
import dev.ebpf.profiling.agent.sampler.RawSlice;
import dev.ebpf.profiling.agent.sampler.SampleKey;
import dev.ebpf.profiling.agent.symbolize.KernelSymbols;
import dev.ebpf.profiling.agent.symbolize.MappingTracker;
import dev.ebpf.profiling.agent.symbolize.SliceSymbols;
import dev.ebpf.profiling.agent.symbolize.StackSample;
import dev.ebpf.profiling.agent.symbolize.SymbolizedStack;
import dev.ebpf.profiling.agent.symbolize.Symbolizer;
import dev.ebpf.profiling.api.ingest.AgentLimitation;
import dev.ebpf.profiling.api.profile.ApplicationUsage;
import dev.ebpf.profiling.api.profile.Frame;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.PodRef;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns what the kernel counted in a slice into the slice's result: who the applications are,
 * the busiest of them, their stacks named, and each hotspot's verdict.
 */
public final class SliceAnalyzer {

    private static final long[] NO_FRAMES = new long[0];

    private final String node;
    private final ApplicationResolver applications;
    private final Symbolizer symbolizer;
    private final HotspotAnalyzer hotspots;
    private final OffCpuAnalyzer offCpu;
    private final NetRxAnalyzer netRx;
    private final int top;
    private final int hotspotsPerApplication;

    public SliceAnalyzer(
            String node,
            ApplicationResolver applications,
            Symbolizer symbolizer,
            HotspotAnalyzer hotspots,
            OffCpuAnalyzer offCpu,
            int top,
            int hotspotsPerApplication) {
        this.node = node;
        this.applications = applications;
        this.symbolizer = symbolizer;
        this.hotspots = hotspots;
        this.offCpu = offCpu;
        this.netRx = new NetRxAnalyzer(hotspots, offCpu);
        this.top = top;
        this.hotspotsPerApplication = hotspotsPerApplication;
    }

    /** The analyzer with this machine's /proc, kernel symbols and the built-in verdict rules. */
    public static SliceAnalyzer forThisMachine(
            String node, CgroupResolver cgroups, int top, int hotspotsPerApplication) {
        return new SliceAnalyzer(
                node,
                new ApplicationResolver(cgroups),
                new Symbolizer(KernelSymbols.load()),
                new HotspotAnalyzer(new VerdictRules(FrameRules.kernelSubsystems())),
                new OffCpuAnalyzer(new BlockReasons(FrameRules.blockReasons())),
                top,
                hotspotsPerApplication);
    }

    /**
     * What this analyzer runs without on this machine, and why (today: kernel symbols the kernel
     * hides); empty when nothing is missing. Each slice's report carries it to the job's status.
     */
    public List<AgentLimitation> limitations() {
        return limitationsOf(symbolizer);
    }

    /** What a symbolizer runs without on this machine, and why: the limitations every report carries. */
    public static List<AgentLimitation> limitationsOf(Symbolizer symbolizer) {
        List<AgentLimitation> limitations = new ArrayList<>(2);
        symbolizer
                .kernelSymbols()
                .hiddenReason()
                .ifPresent(
                        reason -> limitations.add(new AgentLimitation(AgentLimitation.KERNEL_SYMBOLS_HIDDEN, reason)));
        symbolizer
                .mappingTrackingUnavailable()
                .ifPresent(reason -> limitations.add(new AgentLimitation(AgentLimitation.MAPPINGS_UNTRACKED, reason)));
        return List.copyOf(limitations);
    }

    /**
     * Starts learning processes' mappings as they appear (see {@link Symbolizer#trackMappings()}),
     * so processes that exit inside a slice keep their frames and name. Call before the samplers
     * start and close when they stop; read {@link #limitations()} after it, as it says there when
     * the kernel refused.
     */
    public MappingTracker trackMappings() {
        return symbolizer.trackMappings();
    }

    /** The kernel symbols this analyzer names kernel frames with (also what wait sites resolve against). */
    public KernelSymbols kernelSymbols() {
        return symbolizer.kernelSymbols();
    }

    /**
     * The on-CPU slice with the off-CPU, CPU time and net-rx slices cut at the same moment, when
     * those ran. With {@code cpuTimeSlice} the applications' CPU% is the kernel's running time
     * ({@link NodeProfile#CPU_FROM_SCHED_SWITCH}); samples still give the hotspots.
     *
     * @param offCpuSlice  null without off-CPU sampling
     * @param cpuTimeSlice null when the CPU time program could not run: CPU% from samples
     * @param netRxSlice   null without the net-rx profiler
     */
    public SliceResult analyze(
            RawSlice slice, RawOffCpuSlice offCpuSlice, RawCpuTimeSlice cpuTimeSlice, RawNetRxSlice netRxSlice) {
        Map<Integer, List<long[]>> userStacks = new HashMap<>();
        slice.counts()
                .keySet()
                .forEach(key -> userStacks
                        .computeIfAbsent(key.tgid(), tgid -> new ArrayList<>())
                        .add(slice.stacks().getOrDefault(key.userStackId(), NO_FRAMES)));
        if (offCpuSlice != null) {
            offCpuSlice
                    .blocked()
                    .keySet()
                    .forEach(key -> userStacks
                            .computeIfAbsent(key.tgid(), tgid -> new ArrayList<>())
                            .add(offCpuSlice.stacks().getOrDefault(key.userStackId(), NO_FRAMES)));
        }
        Map<Integer, long[]> userAddresses = new HashMap<>();
        userStacks.forEach((tgid, stacks) -> userAddresses.put(
                tgid, stacks.stream().flatMapToLong(Arrays::stream).toArray()));
        Set<Integer> tgids = userAddresses.keySet();
        // Processes that only ran (no sample, no block) need a name, not their symbols: capturing
        // every process that ran would read the maps and ELF files of hundreds more each slice.
        Set<Integer> named = new HashSet<>(tgids);
        if (cpuTimeSlice != null) {
            cpuTimeSlice.nanos().keySet().forEach(key -> named.add(key.tgid()));
        }
        if (netRxSlice != null) {
            // Readers need a name; their stacks come from the on-CPU and off-CPU slices.
            netRxSlice.applications().stream().map(NetRxAppCount::tgid).forEach(named::add);
            netRxSlice.socketWaits().stream().map(NetRxSocketWait::tgid).forEach(named::add);
        }
        // Read /proc for this slice's processes first, before more of them exit.
        applications.startSlice();
        applications.snapshot(named);
        // Only the files these stacks run in have their symbols read.
        SliceSymbols symbols = symbolizer.snapshot(userAddresses);

        Map<SampleKey, Application> attributed = new HashMap<>();
        slice.counts()
                .keySet()
                .forEach(key -> attributed.put(
                        key, applications.resolve(key.tgid(), key.cgroupId(), comm(symbols, key.tgid(), key.comm()))));
        Map<CpuTimeKey, Application> timed = new HashMap<>();
        if (cpuTimeSlice != null) {
            cpuTimeSlice
                    .nanos()
                    .keySet()
                    .forEach(key -> timed.put(
                            key,
                            applications.resolve(key.tgid(), key.cgroupId(), comm(symbols, key.tgid(), key.comm()))));
        }
        List<ApplicationUsage> top =
                TopApplications.compute(slice, attributed::get, cpuTimeSlice, timed::get, this.top);

        List<SymbolizedStack> stacks = symbols.symbolize(stackSamples(slice, attributed));
        SliceHotspots hot = hotspots.analyze(
                stacks, top.stream().map(ApplicationUsage::name).toList(), hotspotsPerApplication);
        NodeProfile profile = NodeProfiles.of(node, slice, top, hot, cpuTimeSlice != null);
        List<BlockedStack> blocked = List.of();
        if (offCpuSlice != null) {
            blocked = blockedStacks(offCpuSlice, symbols);
            profile = profile.withOffCpu(offCpu.analyze(blocked, this.top, hotspotsPerApplication));
        }
        if (netRxSlice != null) {
            profile = profile.withNetRx(netRx.analyze(
                    netRxSlice,
                    node,
                    (tgid, cgroupId, comm) -> applications.resolve(tgid, cgroupId, comm(symbols, tgid, comm)),
                    stacks,
                    blocked,
                    this.top));
        }
        List<Application> seen = new ArrayList<>(attributed.values());
        seen.addAll(timed.values());
        return new SliceResult(profile, stacks, blocked, pods(seen));
    }

    /**
     * The name an exited process goes by: its own (its main thread's, from the kernel's records)
     * when known, else the sampled thread's comm; a live process is named from /proc anyway.
     */
    private static String comm(SliceSymbols symbols, int tgid, String threadComm) {
        return symbols.exitedProcessName(tgid).orElse(threadComm);
    }

    private List<BlockedStack> blockedStacks(RawOffCpuSlice slice, SliceSymbols symbols) {
        List<BlockedStack> blocked = new ArrayList<>(slice.blocked().size());
        slice.blocked().forEach((key, time) -> {
            if (time.nanos() == 0) {
                return;
            }
            String application = applications
                    .resolve(key.tgid(), key.cgroupId(), comm(symbols, key.tgid(), key.comm()))
                    .name();
            List<Frame> frames = symbols.frames(
                    key.tgid(),
                    slice.stacks().getOrDefault(key.userStackId(), NO_FRAMES),
                    slice.stacks().getOrDefault(key.kernelStackId(), NO_FRAMES));
            blocked.add(new BlockedStack(
                    key.tgid(), application, frames, time.nanos(), TaskState.fromKernel(key.prevState())));
        });
        return blocked;
    }

    private static List<StackSample> stackSamples(RawSlice slice, Map<SampleKey, Application> attributed) {
        List<StackSample> samples = new ArrayList<>(slice.counts().size());
        slice.counts()
                .forEach((key, count) -> samples.add(new StackSample(
                        key.tgid(),
                        attributed.get(key).name(),
                        slice.stacks().getOrDefault(key.userStackId(), NO_FRAMES),
                        slice.stacks().getOrDefault(key.kernelStackId(), NO_FRAMES),
                        count)));
        return samples;
    }

    /** Pods by application name, for output formats that label samples with them. */
    private static Map<String, PodRef> pods(List<Application> applications) {
        Map<String, PodRef> pods = new HashMap<>();
        applications.stream().filter(app -> app.pod() != null).forEach(app -> pods.putIfAbsent(app.name(), app.pod()));
        return pods;
    }
}
