package dev.ebpf.profiling.agent.profile;

import dev.ebpf.profiling.agent.cgroup.ApplicationResolver;
import dev.ebpf.profiling.agent.sampler.RawSlice;
import dev.ebpf.profiling.agent.sampler.SampleKey;
import dev.ebpf.profiling.api.profile.ApplicationUsage;
import dev.ebpf.profiling.api.profile.NodeProfile;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** Turns what the kernel counted in a slice into the slice's result document. */
public final class SliceAnalyzer {

    private final String node;
    private final ApplicationResolver applications;
    private final int top;

    public SliceAnalyzer(String node, ApplicationResolver applications, int top) {
        this.node = node;
        this.applications = applications;
        this.top = top;
    }

    public NodeProfile analyze(RawSlice slice) {
        Set<Integer> tgids = slice.counts().keySet().stream().map(SampleKey::tgid).collect(Collectors.toSet());
        // Read /proc for this slice's processes first, before more of them exit.
        applications.startSlice();
        applications.snapshot(tgids);
        List<ApplicationUsage> apps = TopApplications.compute(slice,
                key -> applications.resolve(key.tgid(), key.cgroupId(), key.comm()), top);
        return NodeProfiles.of(node, slice, apps);
    }
}
