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

    private static final double TICK_TOLERANCE = 1.5;

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
                Thread.sleep(1000);
                OptionalDouble fromV2 = v2Metric.read();
                OptionalDouble fromV1 = v1Metric.read();
                long cpuAfter = cpuNanos(busy);
                long wallAfter = System.nanoTime();

                double expected = 100.0 * (cpuAfter - cpuBefore) / ((double) (wallAfter - wallBefore) * cpus);
                assertThat(expected).as("the busy process's share of the node").isGreaterThan(2);
                // /proc/PID/stat counts 10 ms ticks (0.5 point of a 2-CPU node per read), the cgroup
                // files count exactly: allow three ticks.
                assertThat(fromV2).hasValueCloseTo(expected, within(TICK_TOLERANCE));
                assertThat(fromV1).hasValueCloseTo(expected, within(TICK_TOLERANCE));
            } finally {
                busy.destroyForcibly().waitFor();
            }
        }
    }

    private static long cpuNanos(Process process) {
        return process.info().totalCpuDuration().orElseThrow().toNanos();
    }
}
