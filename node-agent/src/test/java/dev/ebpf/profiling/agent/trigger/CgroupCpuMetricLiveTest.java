package dev.ebpf.profiling.agent.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A real busy process moved into fresh cgroups (v2 on the unified mount, v1 cpuacct), measured
 * through both accounting files and compared with the process's own CPU time from /proc.
 * Needs root, as the agent does.
 */
class CgroupCpuMetricLiveTest {

    private static final Path V2_ROOT = Path.of("/sys/fs/cgroup/unified");
    private static final Path V1_CPUACCT_ROOT = Path.of("/sys/fs/cgroup/cpuacct");
    private static final String NAME = "ebpf-profiler-trigger-test-" + ProcessHandle.current().pid();

    private Process busy;

    @AfterEach
    void cleanUp() throws Exception {
        if (busy != null) {
            busy.destroyForcibly().waitFor();
        }
        for (Path root : List.of(V2_ROOT, V1_CPUACCT_ROOT)) {
            Path cgroup = root.resolve(NAME);
            if (Files.isDirectory(cgroup)) {
                // A cgroup directory is removed with rmdir once its processes are gone.
                for (int attempt = 0; attempt < 50 && Files.isDirectory(cgroup); attempt++) {
                    try {
                        Files.delete(cgroup);
                    } catch (IOException stillBusy) {
                        Thread.sleep(20);
                    }
                }
            }
        }
    }

    @Test
    void aBusyProcessShowsInItsCgroupsCpuPercentOnV2AndV1() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "moving processes between cgroups needs root");
        int cpus = ProcStat.read(ProcStat.PROC_STAT).perCpu().size();
        busy = new ProcessBuilder("sh", "-c", "while :; do :; done").start();
        Path v2 = createWith(V2_ROOT, busy.pid());
        Path v1 = createWith(V1_CPUACCT_ROOT, busy.pid());
        CgroupCpuMetric v2Metric = new CgroupCpuMetric("pod-cpu", () -> List.of(v2), cpus, System::nanoTime);
        CgroupCpuMetric v1Metric = new CgroupCpuMetric("pod-cpu", () -> List.of(v1), cpus, System::nanoTime);

        long cpuBefore = processCpuNanos(busy);
        long wallBefore = System.nanoTime();
        v2Metric.read();
        v1Metric.read();
        Thread.sleep(1000);
        OptionalDouble fromV2 = v2Metric.read();
        OptionalDouble fromV1 = v1Metric.read();
        long cpuAfter = processCpuNanos(busy);
        long wallAfter = System.nanoTime();

        double expected = 100.0 * (cpuAfter - cpuBefore) / ((double) (wallAfter - wallBefore) * cpus);
        assertThat(expected).as("the busy process's share of the node").isGreaterThan(10);
        // /proc/PID/stat counts 10 ms ticks; the cgroup files count exactly: allow a few points.
        assertThat(fromV2).hasValueCloseTo(expected, within(5.0));
        assertThat(fromV1).hasValueCloseTo(expected, within(5.0));
    }

    private static Path createWith(Path root, long pid) throws IOException {
        Path cgroup = Files.createDirectories(root.resolve(NAME));
        Files.writeString(cgroup.resolve("cgroup.procs"), Long.toString(pid));
        return cgroup;
    }

    private static long processCpuNanos(Process process) {
        return process.info().totalCpuDuration().orElseThrow().toNanos();
    }
}
