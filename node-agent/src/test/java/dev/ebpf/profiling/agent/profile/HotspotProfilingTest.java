package dev.ebpf.profiling.agent.profile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.cgroup.CgroupResolver;
import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import dev.ebpf.profiling.agent.sampler.OnCpuSampler;
import dev.ebpf.profiling.agent.symbolize.HotLoopProgram;
import dev.ebpf.profiling.agent.testsupport.PodCgroups;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.agent.testsupport.TestTags;
import dev.ebpf.profiling.api.profile.Hotspot;
import dev.ebpf.profiling.api.profile.Location;
import dev.ebpf.profiling.api.profile.NodeProfile;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real stacks from the real sampler, named and judged: the application's own code, or the kernel's. */
@Tag(TestTags.BPF)
class HotspotProfilingTest {

    @TempDir
    Path dir;

    @BeforeEach
    void bpfAvailable() {
        RequiresRoot.assumeBpf();
    }

    /**
     * Profiles only the pod's cgroup while {@code command} runs in it, until the pod used 2 s of CPU
     * (about 200 samples at 99 Hz): however busy the machine, the verdicts rest on as many samples.
     */
    private NodeProfile profilePodRunning(String... command) throws Exception {
        CgroupResolver cgroups = CgroupResolver.forThisMachine();
        SliceAnalyzer analyzer = SliceAnalyzer.forThisMachine("test-node", cgroups, 10, 5);
        try (PodCgroups pod = PodCgroups.builder().container().build()) {
            pod.container(0).start(command);
            long podId = cgroups.idOf(pod.podPath());
            try (OnCpuSampler sampler = OnCpuSampler.start(
                    OnCpuSampler.Settings.of(OnlineCpus.read().cpus(), 99, Set.of(podId)))) {
                long usedBefore = pod.container(0).cpuUsageMicros();
                sampler.cut();
                long deadline = System.nanoTime() + 120_000_000_000L;
                while (pod.container(0).cpuUsageMicros() - usedBefore < 2_000_000 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                return analyzer.analyze(sampler.cut(), null, null, null).profile();
            }
        }
    }

    @Test
    void theHotFunctionOfACProgramIsAnApplicationHotspotAtTheLeaf() throws Exception {
        HotLoopProgram program = HotLoopProgram.compile(dir);

        NodeProfile profile = profilePodRunning(program.binary().toString());

        Hotspot top = profile.hotspots().getFirst();
        assertThat(top.application())
                .isEqualTo(profile.topApplications().getFirst().name());
        assertThat(top.location()).isEqualTo(Location.APPLICATION);
        assertThat(top.frames().getFirst().function()).isEqualTo(HotLoopProgram.HOT_FUNCTION);
        assertThat(top.percentOfApplication()).isGreaterThan(50.0);
        assertThat(profile.locationSplit().applicationPercent()).isGreaterThan(50.0);
    }

    @Test
    void aSyscallHeavyLoopIsAKernelHotspot() throws Exception {
        NodeProfile profile = profilePodRunning("dd", "if=/dev/zero", "of=/dev/null", "bs=1");

        Hotspot top = profile.hotspots().getFirst();
        assertThat(top.location()).isEqualTo(Location.KERNEL);
        assertThat(top.subsystem()).isNotNull();
        assertThat(top.frames().getFirst().isKernel()).isTrue();
        // dd's own code is a thin loop around read and write: most of the time is the kernel's.
        assertThat(profile.locationSplit().kernelPercent()).isGreaterThan(40.0);
        assertThat(profile.hotspots())
                .extracting(Hotspot::application)
                .containsOnly(profile.topApplications().getFirst().name());
    }

    @Test
    void hotspotsAreListedPerApplicationInRankOrder() throws Exception {
        HotLoopProgram program = HotLoopProgram.compile(dir);
        NodeProfile profile = profilePodRunning(program.binary().toString());
        List<String> ranked =
                profile.topApplications().stream().map(a -> a.name()).toList();
        List<String> hotspotApps =
                profile.hotspots().stream().map(Hotspot::application).distinct().toList();
        assertThat(ranked).containsSubsequence(hotspotApps);
        assertThat(profile.hotspots())
                .allSatisfy(h -> assertThat(h.percentOfTotal()).isLessThanOrEqualTo(h.percentOfApplication()));
    }
}
