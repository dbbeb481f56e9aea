package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.profile.ApplicationUsage;
import dev.ebpf.profiling.api.profile.LocationSplit;
import dev.ebpf.profiling.api.profile.LostSamples;
import dev.ebpf.profiling.api.profile.NodeProfile;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Merging nodes' CPU%: by samples when they were sampled, by CPU seconds when the kernel counted them. */
class ProfileMergerTest {

    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    /** 10 s at 100 Hz on {@code cpus} CPUs. */
    private static NodeResult node(String name, int cpus, String cpuSource, ApplicationUsage... apps) {
        return node(name, cpus, cpuSource, null, apps);
    }

    private static NodeResult node(
            String name, int cpus, String cpuSource, String unwinding, ApplicationUsage... apps) {
        NodeProfile profile = new NodeProfile(
                name,
                "cpu-clock",
                100,
                java.util.stream.IntStream.range(0, cpus).boxed().toList(),
                T0,
                T0.plusSeconds(10),
                10.0,
                0,
                0,
                LostSamples.NONE,
                List.of(apps),
                List.of(),
                LocationSplit.of(0, 0, 0, 0),
                null,
                cpuSource,
                unwinding,
                null);
        return new NodeResult(name, "cm-" + name, "20261201T100000Z", profile);
    }

    private static ApplicationUsage app(String name, long samples, double cpuPercent) {
        return new ApplicationUsage(1, name, null, null, List.of(1), samples, cpuPercent);
    }

    @Test
    void exactNodesMergeByCpuSecondsAndRankByThem() {
        // On a: 20 s of CPU possible; build ran 30% = 6 s with few samples (short processes), web 20%.
        // On b: 40 s possible; web ran 10% = 4 s.
        ProfileMerger.Merged merged = ProfileMerger.merge(
                List.of(
                        node("a", 2, NodeProfile.CPU_FROM_SCHED_SWITCH, app("build", 10, 30.0), app("web", 500, 20.0)),
                        node("b", 4, NodeProfile.CPU_FROM_SCHED_SWITCH, app("web", 300, 10.0))),
                10);

        assertThat(merged.slice().cpuSource).isEqualTo(NodeProfile.CPU_FROM_SCHED_SWITCH);
        // Each non-pod application is per node: web on a (4 s of 20) and on b (4 s of 40).
        assertThat(merged.applications()).extracting(a -> a.name).containsExactly("build", "web", "web");
        assertThat(merged.applications()).extracting(a -> a.cpuPercent).containsExactly(30.0, 20.0, 10.0);
    }

    @Test
    void sampledNodesMergeBySamplesAsBefore() {
        ProfileMerger.Merged merged = ProfileMerger.merge(
                List.of(node("a", 2, NodeProfile.CPU_FROM_SAMPLES, app("build", 10, 0.5), app("web", 500, 25.0))), 10);
        assertThat(merged.slice().cpuSource).isEqualTo(NodeProfile.CPU_FROM_SAMPLES);
        assertThat(merged.applications()).extracting(a -> a.name).containsExactly("web", "build");
        assertThat(merged.applications().getFirst().cpuPercent).isEqualTo(25.0);
    }

    @Test
    void nodesWithDifferentSourcesAreMixed() {
        ProfileMerger.Merged merged = ProfileMerger.merge(
                List.of(
                        node("a", 2, NodeProfile.CPU_FROM_SCHED_SWITCH, app("x", 1, 1.0)),
                        node("b", 2, NodeProfile.CPU_FROM_SAMPLES, app("y", 1, 2.0))),
                10);
        assertThat(merged.slice().cpuSource).isEqualTo(ProfileMerger.CPU_FROM_MIXED);
    }

    @Test
    void unwindingIsTheNodesOneWayOrMixed() {
        String samples = NodeProfile.CPU_FROM_SAMPLES;
        assertThat(ProfileMerger.merge(List.of(node("a", 2, samples, "dwarf"), node("b", 2, samples, "dwarf")), 10)
                        .slice()
                        .unwinding)
                .isEqualTo("dwarf");
        assertThat(ProfileMerger.merge(
                                List.of(node("a", 2, samples, "dwarf"), node("b", 2, samples, "frame-pointers")), 10)
                        .slice()
                        .unwinding)
                .isEqualTo(NodeProfile.UNWINDING_MIXED);
        // An agent that predates the choice says nothing: the others still say how they walked.
        assertThat(ProfileMerger.merge(List.of(node("a", 2, samples, "frame-pointers"), node("b", 2, samples)), 10)
                        .slice()
                        .unwinding)
                .isEqualTo("frame-pointers");
        assertThat(ProfileMerger.merge(List.of(node("a", 2, samples)), 10).slice().unwinding)
                .isNull();
    }
}
