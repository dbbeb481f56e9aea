package dev.ebpf.profiling.agent.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cgroup CPU % from fixture cgroup directories and a hand-moved clock. */
class CgroupCpuMetricTest {

    private static final long SECOND = 1_000_000_000L;

    @TempDir
    Path temp;

    private final AtomicLong nanos = new AtomicLong(5 * SECOND);
    private final List<Path> selected = new ArrayList<>();

    @Test
    void v2UsageGrowthOverWallTimeAndNodeCpus() {
        Path pod = cgroupV2("pod-a", 1_000_000);
        selected.add(pod);
        CgroupCpuMetric metric = metric(2);
        assertThat(metric.read()).isEmpty();

        writeV2(pod, 1_000_000 + 500_000); // 0.5 s of CPU in 1 s on a 2-CPU node: 25 %
        nanos.addAndGet(SECOND);

        assertThat(metric.read()).hasValueCloseTo(25.0, within(1e-9));
    }

    @Test
    void v1CpuacctUsageIsInNanoseconds() throws IOException {
        Path pod = Files.createDirectories(temp.resolve("v1-pod"));
        Files.writeString(pod.resolve("cpuacct.usage"), "7000000000\n");
        selected.add(pod);
        CgroupCpuMetric metric = metric(4);
        metric.read();

        Files.writeString(pod.resolve("cpuacct.usage"), "9000000000\n"); // 2 s of CPU in 1 s on 4 CPUs
        nanos.addAndGet(SECOND);

        assertThat(metric.read()).hasValueCloseTo(50.0, within(1e-9));
    }

    @Test
    void podsAreSummedAndOnlyPodsSeenTwiceCount() {
        Path a = cgroupV2("pod-a", 0);
        Path b = cgroupV2("pod-b", 0);
        selected.addAll(List.of(a, b));
        CgroupCpuMetric metric = metric(2);
        metric.read();

        Path c = cgroupV2("pod-c", 900_000_000); // appears now: its first read is its baseline
        selected.add(c);
        writeV2(a, 400_000);
        writeV2(b, 200_000);
        nanos.addAndGet(2 * SECOND);
        assertThat(metric.read()).hasValueCloseTo(100.0 * 0.6 / (2 * 2), within(1e-9));

        deleteTree(b); // pod-b ended
        writeV2(a, 1_400_000);
        writeV2(c, 900_000_000 + 1_000_000);
        nanos.addAndGet(SECOND);
        assertThat(metric.read()).hasValueCloseTo(100.0 * 2.0 / 2, within(1e-9));
    }

    @Test
    void aCgroupWithoutAccountingIsAClearError() throws IOException {
        Path empty = Files.createDirectories(temp.resolve("no-accounting"));
        selected.add(empty);

        assertThatThrownBy(() -> metric(2).read())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("cgroup " + empty + " has neither cpu.stat (v2) nor cpuacct.usage (v1 cpuacct)");
    }

    @Test
    void aCpuStatWithoutUsageIsAClearError() throws IOException {
        Path pod = Files.createDirectories(temp.resolve("odd"));
        Files.writeString(pod.resolve("cpu.stat"), "user_usec 5\n");
        selected.add(pod);

        assertThatThrownBy(() -> metric(2).read()).hasMessage(pod.resolve("cpu.stat") + " has no usage_usec line");
    }

    private CgroupCpuMetric metric(int nodeCpus) {
        return new CgroupCpuMetric("pod-cpu", () -> List.copyOf(selected), nodeCpus, nanos::get);
    }

    private Path cgroupV2(String name, long usageMicros) {
        try {
            Path dir = Files.createDirectories(temp.resolve(name));
            writeV2(dir, usageMicros);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeV2(Path cgroup, long usageMicros) {
        try {
            Files.writeString(
                    cgroup.resolve("cpu.stat"),
                    "usage_usec " + usageMicros + "\nuser_usec " + usageMicros / 2 + "\nsystem_usec " + usageMicros / 2
                            + "\nnr_periods 0\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
