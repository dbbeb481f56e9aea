package dev.ebpf.profiling.agent.profile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.bpf.SamplingEvent;
import dev.ebpf.profiling.agent.cgroup.Application;
import dev.ebpf.profiling.agent.sampler.CpuTimeKey;
import dev.ebpf.profiling.agent.sampler.RawCpuTimeSlice;
import dev.ebpf.profiling.agent.sampler.RawSlice;
import dev.ebpf.profiling.agent.sampler.SampleKey;
import dev.ebpf.profiling.agent.sampler.SliceCounters;
import dev.ebpf.profiling.api.profile.ApplicationUsage;
import dev.ebpf.profiling.api.profile.LostSamples;
import dev.ebpf.profiling.api.profile.PodRef;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopApplicationsTest {

    private static final PodRef POD = PodRef.fromCgroup("1b4e28ba-2fa1-11d2-883f-0016d3cca427", "ab".repeat(32));

    /** 10 s at 100 Hz on 2 CPUs: 2,000 possible samples. */
    private static RawSlice slice(Map<SampleKey, Long> counts) {
        return new RawSlice(
                SamplingEvent.CPU_CLOCK,
                100,
                List.of(0, 1),
                Instant.EPOCH,
                Instant.EPOCH.plusSeconds(10),
                10_000_000_000L,
                counts,
                Map.of(),
                new SliceCounters(new long[] {0, 0}, 0, 0, LostSamples.NONE));
    }

    private static Application attribute(SampleKey key) {
        return switch (key.comm()) {
            case "nginx" -> new Application("pod:x", "pod nginx", "/kubepods/pod", POD, "nginx");
            default -> new Application("process:" + key.comm(), key.comm(), null, null, key.comm());
        };
    }

    @Test
    void groupsKeysOfOneApplicationAndRanksBySamples() {
        Map<SampleKey, Long> counts = Map.of(
                new SampleKey(10, 5, 1, 2, "nginx"), 600L,
                new SampleKey(11, 5, 3, 4, "nginx"), 400L,
                new SampleKey(20, 1, -1, 7, "cron"), 200L,
                new SampleKey(30, 1, -1, 8, "sshd"), 100L);

        List<ApplicationUsage> top = TopApplications.compute(slice(counts), TopApplicationsTest::attribute, 2);

        assertThat(top).hasSize(2);
        ApplicationUsage first = top.getFirst();
        assertThat(first.rank()).isEqualTo(1);
        assertThat(first.name()).isEqualTo("pod nginx");
        assertThat(first.pod()).isEqualTo(POD);
        assertThat(first.pids()).containsExactly(10, 11);
        assertThat(first.samples()).isEqualTo(1000);
        // One fully busy CPU of two reads 50.
        assertThat(first.cpuPercent()).isEqualTo(50.0);
        assertThat(top.get(1))
                .extracting(ApplicationUsage::rank, ApplicationUsage::name, ApplicationUsage::cpuPercent)
                .containsExactly(2, "cron", 10.0);
    }

    @Test
    void cpuPercentIsSamplesOverFrequencyTimesSecondsTimesCpus() {
        assertThat(TopApplications.cpuPercent(990, 99 * 10 * 2)).isEqualTo(50.0);
        assertThat(TopApplications.cpuPercent(1, 3)).isEqualTo(33.33);
        assertThat(TopApplications.cpuPercent(5, 0)).isZero();
    }

    @Test
    void anEmptySliceHasNoApplications() {
        assertThat(TopApplications.compute(slice(Map.of()), TopApplicationsTest::attribute, 10))
                .isEmpty();
    }

    @Test
    void ranksByTheKernelsCpuTimeWhenItRanAndCountsProcessesNeverSampled() {
        Map<SampleKey, Long> counts = Map.of(
                new SampleKey(10, 5, 1, 2, "nginx", 0), 600L,
                new SampleKey(20, 1, -1, 7, "cron", 1), 200L);
        // 10 s on 2 CPUs: 20 s of CPU possible. make never got a sample (its processes lived
        // milliseconds each) yet ran 6 s; time on CPU 2 is outside the slice's CPUs.
        RawCpuTimeSlice time = new RawCpuTimeSlice(
                Instant.EPOCH,
                Instant.EPOCH.plusSeconds(10),
                10_000_000_000L,
                Map.of(
                        new CpuTimeKey(10, 0, 5, "nginx"), 4_000_000_000L,
                        new CpuTimeKey(20, 1, 1, "cron"), 1_000_000_000L,
                        new CpuTimeKey(31, 1, 1, "make"), 2_500_000_000L,
                        new CpuTimeKey(32, 0, 1, "make"), 3_500_000_000L,
                        new CpuTimeKey(33, 2, 1, "make"), 9_000_000_000L),
                0);
        Map<String, Application> byComm = Map.of(
                "make", new Application("process:make", "make", null, null, "make"),
                "cron", new Application("process:cron", "cron", null, null, "cron"));

        List<ApplicationUsage> top = TopApplications.compute(
                slice(counts),
                TopApplicationsTest::attribute,
                time,
                key -> key.comm().equals("nginx")
                        ? attribute(new SampleKey(key.tgid(), key.cgroupId(), -1, -1, "nginx"))
                        : byComm.get(key.comm()),
                10);

        assertThat(top).extracting(ApplicationUsage::name).containsExactly("make", "pod nginx", "cron");
        assertThat(top).extracting(ApplicationUsage::cpuPercent).containsExactly(30.0, 20.0, 5.0);
        assertThat(top.get(0).samples()).isZero();
        assertThat(top.get(0).pids()).containsExactly(31, 32);
        assertThat(top.get(1).samples())
                .as("samples still say where the time went")
                .isEqualTo(600);
    }
}
