package dev.ebpf.profiling.agent.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ebpf.profiling.agent.cgroup.CgroupResolver;
import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import dev.ebpf.profiling.agent.sampler.OnCpuSampler;
import dev.ebpf.profiling.agent.sampler.RawSlice;
import dev.ebpf.profiling.agent.testsupport.CpuAffinity;
import dev.ebpf.profiling.agent.testsupport.PodCgroups;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.agent.testsupport.SamplingTolerance;
import dev.ebpf.profiling.agent.testsupport.TestTags;
import dev.ebpf.profiling.api.profile.ApplicationUsage;
import dev.ebpf.profiling.api.profile.NodeProfile;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The whole agent pipeline on real pods: pod-shaped cgroups with busy processes, the real eBPF
 * sampler, attribution from cgroup ids, and the numbers checked against the cgroups' own cpu.stat.
 */
@Tag(TestTags.BPF)
class PodProfilingTest {

    private static final int HZ = 99;

    @BeforeEach
    void bpfAvailable() {
        RequiresRoot.assumeBpf();
    }

    private static Optional<ApplicationUsage> appOf(NodeProfile profile, PodCgroups.Container container) {
        return profile.topApplications().stream()
                .filter(app ->
                        app.pod() != null && container.id().equals(app.pod().containerId()))
                .findFirst();
    }

    /** What the cgroup itself says: CPU time over (wall time x CPUs), in percent. */
    private static double cgroupPercent(long usedMicros, long wallNanos, int cpus) {
        return usedMicros * 1000.0 / (wallNanos * (double) cpus) * 100;
    }

    @Test
    void ranksPodsAndMatchesTheirCgroupCpuTime() throws Exception {
        List<Integer> cpus = OnlineCpus.read().cpus();
        CgroupResolver cgroups = CgroupResolver.forThisMachine();
        SliceAnalyzer analyzer = SliceAnalyzer.forThisMachine("test-node", cgroups, 10, 5);
        // This JVM stays off the busy loop's CPU (see CpuAffinity).
        try (CpuAffinity _ = CpuAffinity.pinThisJvm("0");
                PodCgroups busyPod = PodCgroups.builder().container().build();
                PodCgroups throttledPod = PodCgroups.builder().container(0.3).build()) {
            PodCgroups.Container busy = busyPod.container(0);
            PodCgroups.Container throttled = throttledPod.container(0);
            // Each loop pinned to its own CPU: a task migrating between CPUs can be sampled twice
            // (or never) in one period, noise this accuracy check should not depend on.
            busy.start("taskset", "-c", "1", "sh", "-c", "while :; do :; done");
            throttled.start("taskset", "-c", "0", "sh", "-c", "while :; do :; done");
            try (OnCpuSampler sampler = OnCpuSampler.start(OnCpuSampler.Settings.of(cpus, HZ, Set.of()))) {
                Thread.sleep(500);
                // A slice starts when cut() flips the slot, first thing in the call: read cpu.stat
                // right before each cut so the cgroups' window and the slice coincide.
                long busyBefore = busy.cpuUsageMicros();
                long throttledBefore = throttled.cpuUsageMicros();
                long wallBefore = System.nanoTime();
                sampler.cut();
                Thread.sleep(10_000);
                long busyUsed = busy.cpuUsageMicros() - busyBefore;
                long throttledUsed = throttled.cpuUsageMicros() - throttledBefore;
                long wall = System.nanoTime() - wallBefore;
                RawSlice slice = sampler.cut();
                NodeProfile profile = analyzer.analyze(slice).profile();

                ApplicationUsage busyApp = appOf(profile, busy)
                        .orElseThrow(() -> new AssertionError("busy pod missing from " + profile.topApplications()));
                ApplicationUsage throttledApp = appOf(profile, throttled)
                        .orElseThrow(
                                () -> new AssertionError("throttled pod missing from " + profile.topApplications()));
                assertThat(busyApp.pod().uid()).isEqualTo(busyPod.podUid());
                assertThat(throttledApp.pod().uid()).isEqualTo(throttledPod.podUid());
                assertThat(busyApp.cgroup()).isEqualTo(busy.path());
                double busyTruth = cgroupPercent(busyUsed, wall, cpus.size());
                double throttledTruth = cgroupPercent(throttledUsed, wall, cpus.size());
                // cpuPercent is a binomial count over every tick of every CPU (SamplingTolerance);
                // cpu.stat is exact, read right before each cut: the windows differ by the 10 ms
                // quiesce wait at each end, one tick per CPU each.
                double ticks = HZ * slice.durationSeconds() * cpus.size();
                double edges = 2.0 * cpus.size();
                double busyBound = SamplingTolerance.percentPoints(ticks, busyTruth, edges);
                double throttledBound = SamplingTolerance.percentPoints(ticks, throttledTruth, edges);
                assertThat(busyApp.cpuPercent())
                        .as("busy pod vs its cpu.stat (bound %.2f points)", busyBound)
                        .isCloseTo(busyTruth, within(busyBound));
                assertThat(throttledApp.cpuPercent())
                        .as("throttled pod vs its cpu.stat (bound %.2f points)", throttledBound)
                        .isCloseTo(throttledTruth, within(throttledBound));
                // Ranks follow the cgroups' own CPU time (on a loaded machine the unthrottled
                // loop may get less than its share, so the truth decides, not the intent).
                assertThat(busyApp.rank() < throttledApp.rank())
                        .as(
                                "ranks %s (%.1f%%) vs %s (%.1f%%)",
                                busyApp.rank(), busyTruth, throttledApp.rank(), throttledTruth)
                        .isEqualTo(busyTruth > throttledTruth);
                // The quota holds it near 30% of one CPU.
                assertThat(throttledApp.cpuPercent())
                        .isLessThan(
                                30.0 / cpus.size() + SamplingTolerance.percentPoints(ticks, 30.0 / cpus.size(), edges));
                assertThat(profile.event()).isEqualTo(slice.event().label());
                assertThat(profile.durationSeconds()).isCloseTo(10.0, within(0.5));
            }
        }
    }

    @Test
    void aCgroupFilterSeesOnlyThatPod() throws Exception {
        List<Integer> cpus = OnlineCpus.read().cpus();
        CgroupResolver cgroups = CgroupResolver.forThisMachine();
        SliceAnalyzer analyzer = SliceAnalyzer.forThisMachine("test-node", cgroups, 10, 5);
        try (PodCgroups wanted = PodCgroups.builder().container().container().build();
                PodCgroups other = PodCgroups.builder().container().build()) {
            wanted.container(0).startBusyLoop();
            wanted.container(1).start("sh", "-c", "while :; do :; done");
            other.container(0).startBusyLoop();
            // Allow the pod's cgroup: its containers are its descendants and must be admitted too.
            long podId = cgroups.idOf(wanted.podPath());
            try (OnCpuSampler sampler = OnCpuSampler.start(OnCpuSampler.Settings.of(cpus, HZ, Set.of(podId)))) {
                sampler.cut();
                Thread.sleep(3000);
                RawSlice slice = sampler.cut();
                NodeProfile profile = analyzer.analyze(slice).profile();

                assertThat(slice.counts().keySet())
                        .isNotEmpty()
                        .allSatisfy(key -> assertThat(key.cgroupId())
                                .isIn(
                                        wanted.container(0).cgroupId(),
                                        wanted.container(1).cgroupId()));
                assertThat(profile.topApplications())
                        .extracting(app -> app.pod().uid())
                        .containsOnly(wanted.podUid());
                assertThat(profile.topApplications()).hasSize(2);
                assertThat(slice.counters().filteredOut()).isPositive();
            }
        }
    }
}
