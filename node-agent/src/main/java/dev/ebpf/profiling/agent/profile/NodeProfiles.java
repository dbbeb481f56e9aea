package dev.ebpf.profiling.agent.profile;

import dev.ebpf.profiling.agent.hotspot.SliceHotspots;
import dev.ebpf.profiling.agent.sampler.RawSlice;
import dev.ebpf.profiling.api.profile.ApplicationUsage;
import dev.ebpf.profiling.api.profile.NodeProfile;
import java.util.List;

/** Assembles the result document of one slice. */
public final class NodeProfiles {

    private NodeProfiles() {}

    /** @param exactCpu whether the applications' CPU% is the kernel's running time (sched_switch) */
    public static NodeProfile of(
            String node,
            RawSlice slice,
            List<ApplicationUsage> topApplications,
            SliceHotspots hotspots,
            boolean exactCpu) {
        return new NodeProfile(
                node,
                slice.event().label(),
                slice.frequencyHz(),
                slice.cpus(),
                slice.start(),
                slice.end(),
                Math.round(slice.durationSeconds() * 1000) / 1000.0,
                slice.counters().samples(),
                slice.counters().lost().total(),
                slice.counters().lost(),
                topApplications,
                hotspots.hotspots(),
                hotspots.locationSplit(),
                null,
                exactCpu ? NodeProfile.CPU_FROM_SCHED_SWITCH : NodeProfile.CPU_FROM_SAMPLES,
                slice.unwindingLabel(),
                null);
    }
}
