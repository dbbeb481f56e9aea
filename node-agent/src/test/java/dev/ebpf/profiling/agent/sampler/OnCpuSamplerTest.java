package dev.ebpf.profiling.agent.sampler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebpf.profiling.agent.bpf.BpfException;
import dev.ebpf.profiling.agent.bpf.BpfObject;
import dev.ebpf.profiling.agent.bpf.SamplingEvent;
import dev.ebpf.profiling.agent.testsupport.CpuAffinity;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.agent.testsupport.SamplingTolerance;
import dev.ebpf.profiling.agent.testsupport.TestTags;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The real on-CPU program on real perf events, sampling real busy processes (as root). */
@Tag(TestTags.BPF)
class OnCpuSamplerTest {

    private static final int HZ = 99;

    @BeforeEach
    void bpfAvailable() {
        RequiresRoot.assumeBpf();
    }

    private static long samplesOf(RawSlice slice, long pid) {
        return slice.counts().entrySet().stream()
                .filter(e -> e.getKey().tgid() == pid)
                .mapToLong(Map.Entry::getValue)
                .sum();
    }

    @Test
    void reportsTheEventThatRanAndCountsABusyProcessAtTheSamplingRate() throws Exception {
        try (BusyLoops loops = new BusyLoops();
                OnCpuSampler sampler = OnCpuSampler.start(OnCpuSampler.Settings.of(List.of(0, 1), HZ, Set.of()))) {
            Process busy = loops.start("rate-burner", 1);
            sampler.cut();
            Thread.sleep(3000);
            RawSlice slice = sampler.cut();

            // These VMs have no PMU: the fallback must be what ran, and say so.
            assertThat(slice.event()).isIn(SamplingEvent.CPU_CYCLES, SamplingEvent.CPU_CLOCK);
            assertThat(sampler.event()).isEqualTo(slice.event());
            long busySamples = samplesOf(slice, busy.pid());
            // At most one sample per tick on its CPU; how many it gets depends on what else runs there.
            // The ticks themselves may come late on a busy machine: SamplingTolerance, plus one tick per edge.
            double ticks = HZ * slice.durationSeconds();
            assertThat(busySamples).isBetween(1L, (long) (ticks + SamplingTolerance.samples(ticks) + 2));
            assertThat(slice.counts().keySet())
                    .filteredOn(k -> k.tgid() == busy.pid())
                    .allSatisfy(k -> assertThat(k.comm()).isEqualTo("rate-burner"))
                    .anySatisfy(k -> assertThat(slice.stacks()).containsKey(k.userStackId()));
        }
    }

    @Test
    void aCpuFilterSeesOnlyThatCpu() throws Exception {
        try (BusyLoops loops = new BusyLoops();
                OnCpuSampler sampler = OnCpuSampler.start(OnCpuSampler.Settings.of(List.of(1), HZ, Set.of()))) {
            Process onCpu0 = loops.start("cpu0-burner", 0);
            Process onCpu1 = loops.start("cpu1-burner", 1);
            sampler.cut();
            // Until each loop ran 0.2 s (20 ticks at 99 Hz), however busy the machine: were CPU 0
            // sampled, its loop would have ~20 samples, and none by chance has odds of e^-20.
            long deadline = System.nanoTime() + 60_000_000_000L;
            while ((ProcessCpuTime.seconds(onCpu0.pid()) < 0.2 || ProcessCpuTime.seconds(onCpu1.pid()) < 0.2)
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            RawSlice slice = sampler.cut();

            assertThat(slice.cpus()).containsExactly(1);
            assertThat(slice.counters().samplesPerCpu()[0]).isZero();
            assertThat(slice.counters().samplesPerCpu()[1]).isPositive();
            // Both ran; only the one on CPU 1 may be seen.
            assertThat(ProcessCpuTime.seconds(onCpu0.pid())).isGreaterThanOrEqualTo(0.2);
            assertThat(samplesOf(slice, onCpu0.pid())).isZero();
            assertThat(samplesOf(slice, onCpu1.pid())).isGreaterThan(0);
        }
    }

    @Test
    void samplesMatchTheCpuTimeTheKernelChargedTheProcess() throws Exception {
        // This JVM stays on CPU 0, the loop alone on CPU 1 (see CpuAffinity); pinned, because a task
        // migrating between CPUs can be sampled twice (or never) in one period.
        try (CpuAffinity _ = CpuAffinity.pinThisJvm("0");
                BusyLoops loops = new BusyLoops();
                OnCpuSampler sampler = OnCpuSampler.start(OnCpuSampler.Settings.of(List.of(0, 1), HZ, Set.of()))) {
            Process busy = loops.start("charged-burner", 1);
            Thread.sleep(200);
            // A slice starts when cut() flips the slot, at the very beginning of the call: read the
            // ground truth right before each cut so both windows start and end together.
            double before = ProcessCpuTime.seconds(busy.pid());
            sampler.cut();
            Thread.sleep(4000);
            double after = ProcessCpuTime.seconds(busy.pid());
            RawSlice slice = sampler.cut();

            double sampledSeconds = samplesOf(slice, busy.pid()) / (double) HZ;
            // The loop shares CPU 1 with whatever else runs there, so it is on the CPU a fraction p of
            // the ticks: a binomial count (SamplingTolerance). The kernel charged its CPU time by ticks
            // too (CONFIG_HZ >= 100, no coarser than ours), so the difference of the two has at most
            // twice the variance: sqrt(2) bounds. Edges: /proc/PID/stat's 10 ms granularity at each of
            // the two reads and the 10 ms quiesce wait between the windows, one tick each at 99 Hz.
            double ticks = HZ * slice.durationSeconds();
            double p = (after - before) / slice.durationSeconds();
            double boundSeconds = (Math.sqrt(2) * SamplingTolerance.samples(ticks, p) + 3) / HZ;
            assertThat(sampledSeconds)
                    .as("p = %.2f over %.0f ticks: bound %.3f s", p, ticks, boundSeconds)
                    .isCloseTo(after - before, org.assertj.core.data.Offset.offset(boundSeconds));
        }
    }

    @Test
    void slicesAddUpToTheWhole() throws Exception {
        try (BusyLoops loops = new BusyLoops()) {
            Process busy = loops.start("slice-burner", 0);
            Thread.sleep(200);
            List<RawSlice> slices = new ArrayList<>();
            RawSlice whole;
            // Two samplers on the same CPU at once: one cut every 250 ms, one cut once.
            try (OnCpuSampler once = OnCpuSampler.start(OnCpuSampler.Settings.of(List.of(0), HZ, Set.of()));
                    OnCpuSampler often = OnCpuSampler.start(OnCpuSampler.Settings.of(List.of(0), HZ, Set.of()))) {
                // Start both windows together; each cut costs a 10 ms quiesce wait.
                often.cut();
                once.cut();
                for (int i = 0; i < 12; i++) {
                    Thread.sleep(250);
                    slices.add(often.cut());
                }
                whole = once.cut();
            }
            for (int i = 1; i < slices.size(); i++) {
                assertThat(slices.get(i).start()).isEqualTo(slices.get(i - 1).end());
            }
            // Every tick of either sampler on CPU 0 is a sample (busy or idle): the slices together
            // must tick at the rate of the one whole window. A busy machine delays or drops ticks, so
            // the counts are bounded as binomials (SamplingTolerance, p unknown), plus one tick at
            // each of the 12 slices' edges.
            int edges = slices.size();
            long slicedTicks =
                    slices.stream().mapToLong(OnCpuSamplerTest::ticks).sum();
            double slicedSeconds =
                    slices.stream().mapToDouble(RawSlice::durationSeconds).sum();
            assertThat(slicedTicks / slicedSeconds)
                    .isCloseTo(
                            ticks(whole) / whole.durationSeconds(),
                            org.assertj.core.data.Offset.offset(SamplingTolerance.rateDifference(
                                    (double) slicedTicks,
                                    slicedSeconds,
                                    (double) ticks(whole),
                                    whole.durationSeconds(),
                                    edges)));
            assertThat((double) slicedTicks)
                    .isCloseTo(
                            HZ * slicedSeconds,
                            org.assertj.core.data.Offset.offset(SamplingTolerance.samples(HZ * slicedSeconds) + edges));
            // Per process the two samplers tick at different phases, so agree only statistically.
            // The two windows differ by the time the cuts themselves take, so compare rates.
            double sliced =
                    slices.stream().mapToLong(s -> samplesOf(s, busy.pid())).sum() / slicedSeconds;
            double unsliced = samplesOf(whole, busy.pid()) / whole.durationSeconds();
            assertThat(sliced)
                    .isCloseTo(
                            unsliced,
                            org.assertj.core.data.Offset.offset(SamplingTolerance.rateDifference(
                                    (double) slicedTicks,
                                    slicedSeconds,
                                    (double) ticks(whole),
                                    whole.durationSeconds(),
                                    edges)));
            long keyed = slices.stream()
                    .flatMap(s -> s.counts().values().stream())
                    .mapToLong(Long::longValue)
                    .sum();
            long mapFull = slices.stream()
                    .mapToLong(s -> s.counters().lost().countMapFull())
                    .sum();
            long counted =
                    slices.stream().mapToLong(s -> s.counters().samples()).sum();
            assertThat(keyed + mapFull).isEqualTo(counted);
        }
    }

    /** Every timer tick of a slice: samples of tasks plus samples that found the CPU idle. */
    private static long ticks(RawSlice slice) {
        return slice.counters().samples()
                + slice.counters().idle()
                + slice.counters().filteredOut();
    }

    @Test
    void aFullCountMapLosesSamplesAndSaysHowMany() throws Exception {
        // 16 keys cannot hold the distinct stacks of a random call-chain walker.
        try (BusyLoops loops = new BusyLoops();
                OnCpuSampler sampler = OnCpuSampler.start(
                        new OnCpuSampler.Settings(List.of(0, 1), 999, false, Set.of(), SamplingEvent.CPU_CYCLES, 16))) {
            loops.start("full-map-burner", -1);
            sampler.cut();
            Thread.sleep(1000);
            RawSlice slice = sampler.cut();

            assertThat(slice.counts()).hasSizeLessThanOrEqualTo(16);
            assertThat(slice.counters().lost().countMapFull()).isPositive();
            long keyed =
                    slice.counts().values().stream().mapToLong(Long::longValue).sum();
            assertThat(keyed + slice.counters().lost().countMapFull())
                    .isEqualTo(slice.counters().samples());
        }
    }

    @Test
    void aProcessThatExitsBeforeTheCutIsStillCountedUnderItsName() throws Exception {
        try (BusyLoops loops = new BusyLoops();
                OnCpuSampler sampler = OnCpuSampler.start(OnCpuSampler.Settings.of(List.of(0, 1), HZ, Set.of()))) {
            Process shortLived = loops.start("short-burner", -1);
            sampler.cut();
            Thread.sleep(1000);
            shortLived.destroyForcibly().waitFor();
            Thread.sleep(300);
            RawSlice slice = sampler.cut();

            assertThat(Files.exists(Path.of("/proc/" + shortLived.pid()))).isFalse();
            assertThat(slice.counts().keySet())
                    .filteredOn(k -> k.tgid() == shortLived.pid())
                    .isNotEmpty()
                    .allSatisfy(k -> assertThat(k.comm()).isEqualTo("short-burner"));
        }
    }

    @Test
    void aMissingKernelBtfIsOneClearLine() {
        assertThatThrownBy(() -> BpfObject.requireKernelBtf(Path.of("/nonexistent/vmlinux")))
                .isInstanceOf(BpfException.class)
                .hasMessage("kernel BTF is missing at /nonexistent/vmlinux: this kernel was built without"
                        + " CONFIG_DEBUG_INFO_BTF, which the CO-RE programs need");
    }

    @Test
    void anUnknownObjectIsOneClearLine() {
        assertThatThrownBy(() -> BpfObject.open("no-such-program"))
                .isInstanceOf(BpfException.class)
                .hasMessage("bpf/no-such-program.bpf.o is not on the classpath: build the bpf module first");
    }
}
