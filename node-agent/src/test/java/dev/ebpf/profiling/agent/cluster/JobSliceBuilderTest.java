package dev.ebpf.profiling.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.bpf.SamplingEvent;
import dev.ebpf.profiling.agent.sampler.CpuTimeKey;
import dev.ebpf.profiling.agent.sampler.RawCpuTimeSlice;
import dev.ebpf.profiling.agent.sampler.RawSlice;
import dev.ebpf.profiling.agent.sampler.SampleKey;
import dev.ebpf.profiling.agent.sampler.SliceCounters;
import dev.ebpf.profiling.agent.sampler.Unwinding;
import dev.ebpf.profiling.api.profile.LostSamples;
import dev.ebpf.profiling.api.profile.NodeProfile;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A job's slice from the shared sampler's cuts: its cgroups, its CPUs, stacks renumbered by content. */
class JobSliceBuilderTest {

    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    private static SharedSamplers.Cut cut(
            int second, int frequencyHz, Map<SampleKey, Long> counts, Map<Integer, long[]> stacks) {
        return new SharedSamplers.Cut(
                new RawSlice(
                        SamplingEvent.CPU_CLOCK,
                        frequencyHz,
                        List.of(0, 1),
                        T0.plusSeconds(second),
                        T0.plusSeconds(second + 1),
                        1_000_000_000L,
                        counts,
                        stacks,
                        new SliceCounters(new long[] {0, 0}, 0, 0, new LostSamples(1, 0, 0))),
                null);
    }

    @Test
    void keepsOnlyTheJobsCgroupsOnItsCpusAndMergesStacksAcrossCuts() {
        long mine = 100;
        long other = 200;
        // Cut 1: stack id 5 is frame 0xA; cut 2 reuses id 5 for another stack (0xB) and has 0xA as id 9.
        SharedSamplers.Cut first = cut(
                0,
                99,
                Map.of(
                        new SampleKey(1, mine, 5, -1, "a", 1), 10L,
                        new SampleKey(1, mine, 5, -1, "a", 0), 7L, // CPU 0: not the job's
                        new SampleKey(2, other, 5, -1, "b", 1), 50L), // not the job's cgroup
                Map.of(5, new long[] {0xA}));
        SharedSamplers.Cut second = cut(
                1,
                99,
                Map.of(
                        new SampleKey(1, mine, 9, -1, "a", 1), 4L,
                        new SampleKey(1, mine, 5, -1, "a", 1), 3L),
                Map.of(5, new long[] {0xB}, 9, new long[] {0xA}));
        JobSliceBuilder builder = new JobSliceBuilder(List.of(1), false);
        builder.add(first, id -> id == mine);
        builder.add(second, id -> id == mine);

        RawSlice slice = builder.onCpu();
        assertThat(slice.cpus()).containsExactly(1);
        assertThat(slice.frequencyHz()).isEqualTo(99);
        assertThat(slice.start()).isEqualTo(T0);
        assertThat(slice.end()).isEqualTo(T0.plusSeconds(2));
        assertThat(slice.durationSeconds()).isEqualTo(2.0);
        assertThat(slice.counters().samples()).isEqualTo(17);
        assertThat(slice.counters().lost().countMapFull())
                .as("the node's losses")
                .isEqualTo(2);
        assertThat(slice.possibleSamples()).isEqualTo(99 * 2 * 1);
        // 0xA counted 10 + 4 under one id, 0xB 3 under another.
        Map<Long, Long> byLeaf = new java.util.HashMap<>();
        slice.counts()
                .forEach((key, count) -> byLeaf.merge(slice.stacks().get(key.kernelStackId())[0], count, Long::sum));
        assertThat(byLeaf).containsExactlyInAnyOrderEntriesOf(Map.of(0xAL, 14L, 0xBL, 3L));
        assertThat(builder.offCpu()).isNull();
    }

    @Test
    void aRateChangeInsideTheWindowKeepsTheCpuShare() {
        // One busy CPU: 99 samples in the first second, 199 in the second.
        SharedSamplers.Cut first = cut(0, 99, Map.of(new SampleKey(1, 7, -1, -1, "a", 0), 99L), Map.of());
        SharedSamplers.Cut second = cut(1, 199, Map.of(new SampleKey(1, 7, -1, -1, "a", 0), 199L), Map.of());
        JobSliceBuilder builder = new JobSliceBuilder(null, false);
        builder.add(first, id -> true);
        builder.add(second, id -> true);
        RawSlice slice = builder.onCpu();
        assertThat(slice.frequencyHz()).isEqualTo(149);
        assertThat(slice.cpus()).containsExactly(0, 1);
        // 298 samples of 149 x 2 s x 2 CPUs: one CPU's worth, 50 %.
        assertThat(slice.counters().samples() / slice.possibleSamples()).isEqualTo(0.5);
    }

    private static RawCpuTimeSlice time(int second, Map<CpuTimeKey, Long> nanos) {
        return new RawCpuTimeSlice(T0.plusSeconds(second), T0.plusSeconds(second + 1), 1_000_000_000L, nanos, 5);
    }

    @Test
    void keepsTheKernelsCpuTimeOfTheJobsCgroupsOnItsCpus() {
        long mine = 100;
        long other = 200;
        SharedSamplers.Cut first = new SharedSamplers.Cut(
                cut(0, 99, Map.of(), Map.of()).onCpu(),
                null,
                time(
                        0,
                        Map.of(
                                new CpuTimeKey(1, 1, mine, "a"), 300_000_000L,
                                new CpuTimeKey(1, 0, mine, "a"), 70_000_000L, // CPU 0: not the job's
                                new CpuTimeKey(2, 1, other, "b"), 500_000_000L))); // not the job's cgroup
        SharedSamplers.Cut second = new SharedSamplers.Cut(
                cut(1, 99, Map.of(), Map.of()).onCpu(),
                null,
                time(1, Map.of(new CpuTimeKey(1, 1, mine, "a"), 200_000_000L, new CpuTimeKey(3, 1, mine, "c"), 1L)));
        JobSliceBuilder builder = new JobSliceBuilder(List.of(1), false);
        builder.add(first, id -> id == mine);
        builder.add(second, id -> id == mine);

        RawCpuTimeSlice time = builder.cpuTime();
        assertThat(time.durationNanos()).isEqualTo(2_000_000_000L);
        assertThat(time.nanos())
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of(new CpuTimeKey(1, 1, mine, "a"), 500_000_000L, new CpuTimeKey(3, 1, mine, "c"), 1L));
        assertThat(time.lostNanos()).as("the node's losses").isEqualTo(10);
    }

    @Test
    void aCutWithoutCpuTimeMakesTheWholeSliceUseSamples() {
        JobSliceBuilder builder = new JobSliceBuilder(null, false);
        builder.add(
                new SharedSamplers.Cut(
                        cut(0, 99, Map.of(), Map.of()).onCpu(),
                        null,
                        time(0, Map.of(new CpuTimeKey(1, 1, 7, "a"), 1L))),
                id -> true);
        assertThat(builder.cpuTime()).isNotNull();
        builder.add(cut(1, 99, Map.of(), Map.of()), id -> true);
        assertThat(builder.cpuTime()).as("one source per slice").isNull();
    }

    /** A window that saw the node's sampler switch its walk says mixed; one that did not says the walk. */
    @Test
    void aWindowAcrossASwitchOfTheWalkIsMixed() {
        Map<SampleKey, Long> counts = Map.of(new SampleKey(1, 100, -1, -1, "a", 1), 1L);
        SharedSamplers.Cut fp = cut(0, 99, counts, Map.of());
        SharedSamplers.Cut dwarf = new SharedSamplers.Cut(
                new RawSlice(
                        SamplingEvent.CPU_CLOCK,
                        99,
                        List.of(0, 1),
                        T0.plusSeconds(1),
                        T0.plusSeconds(2),
                        1_000_000_000L,
                        counts,
                        Map.of(),
                        new SliceCounters(new long[] {0, 0}, 0, 0, new LostSamples(0, 0, 0)),
                        Unwinding.DWARF),
                null);

        JobSliceBuilder steady = new JobSliceBuilder(null, false);
        steady.add(dwarf, id -> true);
        steady.add(dwarf, id -> true);
        JobSliceBuilder across = new JobSliceBuilder(null, false);
        across.add(fp, id -> true);
        across.add(dwarf, id -> true);

        assertThat(steady.onCpu().unwindingLabel()).isEqualTo("dwarf");
        assertThat(across.onCpu().unwindingLabel()).isEqualTo(NodeProfile.UNWINDING_MIXED);
    }
}
