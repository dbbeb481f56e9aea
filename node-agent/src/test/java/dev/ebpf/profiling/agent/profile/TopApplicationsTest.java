package dev.ebpf.profiling.agent.profile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.bpf.SamplingEvent;
import dev.ebpf.profiling.agent.cgroup.Application;
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
}
