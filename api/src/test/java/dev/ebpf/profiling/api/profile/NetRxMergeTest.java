package dev.ebpf.profiling.api.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Queue-delay percentiles from log2 buckets, and merging the net-rx parts of several nodes. */
class NetRxMergeTest {

    private static final DelayBucket MS_32_TO_65 = new DelayBucket(32.768, 65.536, 0);
    private static final DelayBucket US_16_TO_32 = new DelayBucket(0.016, 0.032, 0);

    private static DelayBucket count(DelayBucket bucket, long count) {
        return new DelayBucket(bucket.fromMs(), bucket.toMs(), count);
    }

    @Test
    void percentilesInterpolateWithinTheirBucketAndNeverPassTheMaximum() {
        // 90 fast reads and 10 slow ones: the median is fast, p99 slow but not above the max.
        QueueDelay delay =
                QueueDelay.of(List.of(count(US_16_TO_32, 90), count(MS_32_TO_65, 10)), 50.0, 90 * 0.02 + 10 * 45.0);
        assertThat(delay.reads()).isEqualTo(100);
        assertThat(delay.p50Ms()).isBetween(0.016, 0.032);
        assertThat(delay.p99Ms()).isBetween(32.768, 50.0);
        assertThat(delay.maxMs()).isEqualTo(50.0);
        assertThat(delay.meanMs()).isCloseTo(4.518, within(0.001));
    }

    @Test
    void nothingReadIsNone() {
        assertThat(QueueDelay.of(List.of(), 0, 0)).isEqualTo(QueueDelay.NONE);
    }

    private static NetRxApplication app(String name, long packets, QueueDelay delay, double worstMs) {
        return new NetRxApplication(
                1,
                name,
                null,
                List.of(1),
                packets,
                packets * 100,
                delay,
                List.of(new WorstSocket("tcp", "10.0.0.1:80", "10.0.0.2:5000", 1, 100, worstMs, worstMs)),
                List.of(new LateRead(
                        "10.0.0.1:80", worstMs, 1, LateRead.OFF_CPU, "sleep", 0, 0, 100, List.of(), List.of())));
    }

    private static SoftirqCpu cpu(int cpu, double netRxPercent) {
        return new SoftirqCpu(null, cpu, netRxPercent, 1, 1, 0, 0, 0, 1, 1, List.of());
    }

    @Test
    void anApplicationOnTwoNodesIsSummedAndItsPercentilesComputedFromTheSummedHistogram() {
        // node-a: nginx reads at once (all in the microsecond bucket); node-b: nginx is slow.
        QueueDelay fast = QueueDelay.of(List.of(count(US_16_TO_32, 30)), 0.03, 30 * 0.02);
        QueueDelay slow = QueueDelay.of(List.of(count(MS_32_TO_65, 70)), 60.0, 70 * 50.0);
        Map<String, NetRxProfile> byNode = new LinkedHashMap<>();
        byNode.put(
                "node-a",
                new NetRxProfile(
                        List.of(app("nginx", 10, fast, 0.03)), List.of(cpu(0, 5)), new NetRxProfile.Lost(1, 0, 0, 0)));
        byNode.put(
                "node-b",
                new NetRxProfile(
                        List.of(app("nginx", 20, slow, 60.0), app("redis", 5, fast, 0.03)),
                        List.of(cpu(0, 40), cpu(1, 1)),
                        new NetRxProfile.Lost(0, 2, 0, 0)));

        NetRxProfile merged = NetRxMerge.merge(byNode, 10);

        NetRxApplication nginx = merged.applications().getFirst();
        assertThat(nginx.name()).isEqualTo("nginx");
        assertThat(nginx.rank()).isEqualTo(1);
        assertThat(nginx.packets()).isEqualTo(30);
        assertThat(nginx.queueDelay().reads()).isEqualTo(100);
        // 70 of 100 reads are slow: the median is in the slow bucket, not an average of the nodes'.
        assertThat(nginx.queueDelay().p50Ms()).isBetween(32.768, 60.0);
        assertThat(nginx.queueDelay().maxMs()).isEqualTo(60.0);
        assertThat(nginx.queueDelay().histogram()).hasSize(2);
        assertThat(nginx.worstSockets().getFirst().maxWaitMs()).isEqualTo(60.0);
        assertThat(nginx.lateBecause().getFirst().waitMs()).isEqualTo(60.0);
        assertThat(merged.applications()).extracting(NetRxApplication::name).containsExactly("nginx", "redis");
        // Softirq CPUs stay per node, busiest first.
        assertThat(merged.softirq())
                .extracting(c -> c.node() + "/" + c.cpu())
                .containsExactly("node-b/0", "node-a/0", "node-b/1");
        assertThat(merged.lost()).isEqualTo(new NetRxProfile.Lost(1, 2, 0, 0));
        assertThat(NetRxMerge.merge(Map.of(), 10)).isNull();
    }

    @Test
    void lateReadStacksAreCutToTheirFirstOfEachKindAndTheLeafEnd() {
        List<Frame> deep = java.util.stream.IntStream.range(0, 100)
                .mapToObj(i -> new Frame("f" + i, "m", Frame.Origin.EXECUTABLE, null))
                .toList();
        Hotspot hot = new Hotspot("nginx", 10, 50, 5, Location.APPLICATION, null, deep);
        OffCpuHotspot waited = new OffCpuHotspot("nginx", 1, 50, "sleep", deep);
        LateRead late = new LateRead(
                "10.0.0.1:80", 9, 1, LateRead.OFF_CPU, "sleep", 0, 0, 100, List.of(hot, hot), List.of(waited, waited));
        QueueDelay delay = QueueDelay.of(List.of(count(US_16_TO_32, 1)), 0.02, 0.02);
        NetRxApplication app =
                new NetRxApplication(1, "nginx", null, List.of(1), 1, 1, delay, List.of(), List.of(late));

        NetRxProfile merged = NetRxMerge.merge(
                Map.of("node-a", new NetRxProfile(List.of(app), List.of(), NetRxProfile.Lost.NONE)), 10);

        LateRead kept = merged.applications().getFirst().lateBecause().getFirst();
        assertThat(kept.onCpu()).hasSize(1);
        assertThat(kept.offCpu()).hasSize(1);
        assertThat(kept.onCpu().getFirst().frames())
                .hasSize(NetRxMerge.LATE_READ_FRAMES)
                .first()
                .extracting(Frame::function)
                .isEqualTo("f0");
        assertThat(kept.offCpu().getFirst().frames()).hasSize(NetRxMerge.LATE_READ_FRAMES);
    }
}
