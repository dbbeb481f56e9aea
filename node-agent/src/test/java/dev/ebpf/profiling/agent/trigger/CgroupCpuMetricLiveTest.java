package dev.ebpf.profiling.agent.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/**
 * A real busy process moved into fresh cgroups (v2 on the unified mount, v1 cpuacct), measured
 * through both accounting files and compared with the process's own CPU time from /proc.
 * Needs root, as the agent does.
 */
class CgroupCpuMetricLiveTest {

    /** The granularity of /proc/PID/stat (USER_HZ = 100). */
    private static final long TICK_NANOS = 10_000_000L;

    @Test
    void aBusyProcessShowsInItsCgroupsCpuPercentOnV2AndV1() throws Exception {
        assumeTrue(TestCgroup.runningAsRoot(), "moving processes between cgroups needs root");
        int cpus = ProcStat.read(ProcStat.PROC_STAT).perCpu().size();
        try (TestCgroup v2 = TestCgroup.create(TestCgroup.V2_ROOT, "ebpf-profiler-metric-test");
                TestCgroup v1 = TestCgroup.create(TestCgroup.V1_CPUACCT_ROOT, "ebpf-profiler-metric-test")) {
            Process busy = v2.startBusyLoop();
            try {
                v1.add(busy);
                CgroupCpuMetric v2Metric =
                        new CgroupCpuMetric("pod-cpu", () -> List.of(v2.directory()), cpus, System::nanoTime);
                CgroupCpuMetric v1Metric =
                        new CgroupCpuMetric("pod-cpu", () -> List.of(v1.directory()), cpus, System::nanoTime);

                long cpuBefore = cpuNanos(busy);
                long wallBefore = System.nanoTime();
                v2Metric.read();
                v1Metric.read();
                // Until the loop ran 0.3 s (30 ticks of /proc/PID/stat), at least 1 s: however busy
                // the machine, the share measured is well above the ticks' granularity.
                long deadline = wallBefore + 60_000_000_000L;
                do {
                    Thread.sleep(100);
                } while ((System.nanoTime() - wallBefore < 1_000_000_000L || cpuNanos(busy) - cpuBefore < 300_000_000L)
                        && System.nanoTime() < deadline);
                OptionalDouble fromV2 = v2Metric.read();
                OptionalDouble fromV1 = v1Metric.read();
                long cpuAfter = cpuNanos(busy);
                long wallAfter = System.nanoTime();

                double expected = 100.0 * (cpuAfter - cpuBefore) / ((double) (wallAfter - wallBefore) * cpus);
                assertThat(cpuAfter - cpuBefore)
                        .as("the busy process's CPU time")
                        .isGreaterThanOrEqualTo(300_000_000L);
                // /proc/PID/stat counts 10 ms ticks, the cgroup files count exactly: allow three ticks
                // (over a 1 s window of a 2-CPU node, 1.5 points), in points of this window.
                double tolerance = 100.0 * 3 * TICK_NANOS / ((double) (wallAfter - wallBefore) * cpus);
                assertThat(fromV2).hasValueCloseTo(expected, within(tolerance));
                assertThat(fromV1).hasValueCloseTo(expected, within(tolerance));
            } finally {
                busy.destroyForcibly().waitFor();
            }
        }
    }

    private static long cpuNanos(Process process) {
        return process.info().totalCpuDuration().orElseThrow().toNanos();
    }
}
