package dev.ebpf.profiling.agent.profile;

import dev.ebpf.profiling.agent.cgroup.Application;
import dev.ebpf.profiling.agent.cgroup.ApplicationResolver;
import dev.ebpf.profiling.agent.cgroup.CgroupResolver;
import dev.ebpf.profiling.agent.hotspot.FrameRules;
import dev.ebpf.profiling.agent.hotspot.HotspotAnalyzer;
import dev.ebpf.profiling.agent.hotspot.SliceHotspots;
import dev.ebpf.profiling.agent.hotspot.VerdictRules;
import dev.ebpf.profiling.agent.sampler.RawSlice;
import dev.ebpf.profiling.agent.sampler.SampleKey;
import dev.ebpf.profiling.agent.symbolize.KernelSymbols;
import dev.ebpf.profiling.agent.symbolize.SliceSymbols;
import dev.ebpf.profiling.agent.symbolize.StackSample;
import dev.ebpf.profiling.agent.symbolize.SymbolizedStack;
import dev.ebpf.profiling.agent.symbolize.Symbolizer;
import dev.ebpf.profiling.api.profile.ApplicationUsage;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.PodRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

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
    private final int top;
    private final int hotspotsPerApplication;

    public SliceAnalyzer(String node, ApplicationResolver applications, Symbolizer symbolizer,
                         HotspotAnalyzer hotspots, int top, int hotspotsPerApplication) {
        this.node = node;
        this.applications = applications;
        this.symbolizer = symbolizer;
        this.hotspots = hotspots;
        this.top = top;
        this.hotspotsPerApplication = hotspotsPerApplication;
    }

    /** The analyzer with this machine's /proc, kernel symbols and the built-in verdict rules. */
    public static SliceAnalyzer forThisMachine(String node, CgroupResolver cgroups, int top,
                                               int hotspotsPerApplication) {
        return new SliceAnalyzer(node, new ApplicationResolver(cgroups), new Symbolizer(KernelSymbols.load()),
                new HotspotAnalyzer(new VerdictRules(FrameRules.kernelSubsystems())), top, hotspotsPerApplication);
    }

    public SliceResult analyze(RawSlice slice) {
        Set<Integer> tgids = slice.counts().keySet().stream().map(SampleKey::tgid).collect(Collectors.toSet());
        // Read /proc for this slice's processes first, before more of them exit.
        applications.startSlice();
        applications.snapshot(tgids);
        SliceSymbols symbols = symbolizer.snapshot(tgids);

        Map<SampleKey, Application> attributed = new HashMap<>();
        slice.counts().keySet().forEach(key ->
                attributed.put(key, applications.resolve(key.tgid(), key.cgroupId(), key.comm())));
        List<ApplicationUsage> top = TopApplications.compute(slice, attributed::get, this.top);

        List<SymbolizedStack> stacks = symbols.symbolize(stackSamples(slice, attributed));
        SliceHotspots hot = hotspots.analyze(stacks, top.stream().map(ApplicationUsage::name).toList(),
                hotspotsPerApplication);
        NodeProfile profile = NodeProfiles.of(node, slice, top, hot);
        return new SliceResult(profile, stacks, pods(attributed));
    }

    private static List<StackSample> stackSamples(RawSlice slice, Map<SampleKey, Application> attributed) {
        List<StackSample> samples = new ArrayList<>(slice.counts().size());
        slice.counts().forEach((key, count) -> samples.add(new StackSample(key.tgid(), attributed.get(key).name(),
                slice.stacks().getOrDefault(key.userStackId(), NO_FRAMES),
                slice.stacks().getOrDefault(key.kernelStackId(), NO_FRAMES), count)));
        return samples;
    }

    /** Pods by application name, for output formats that label samples with them. */
    private static Map<String, PodRef> pods(Map<SampleKey, Application> attributed) {
        Map<String, PodRef> pods = new HashMap<>();
        attributed.values().stream().filter(app -> app.pod() != null)
                .forEach(app -> pods.putIfAbsent(app.name(), app.pod()));
        return pods;
    }
}
