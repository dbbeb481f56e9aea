package dev.ebpf.profiling.agent.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * This machine's /proc/stat while busy threads run. Other work shares the machine, so the test
 * compares the node's CPU % with what this JVM itself burned over the same second (the node's
 * figure includes ours), rather than with a baseline others could move.
 */
class ProcStatMetricLiveTest {

    private static final Duration WINDOW = Duration.ofSeconds(1);

    @Test
    void nodeCpuGoesUpWithABusyLoopAndCoversWhatTheLoopBurned() throws InterruptedException {
        int cpus = ProcStat.read(ProcStat.PROC_STAT).perCpu().size();
        ProcStatMetric nodeCpu = ProcStatMetric.nodeCpu(ProcStat.PROC_STAT);
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> spinners = new ArrayList<>();
        for (int i = 0; i < cpus; i++) {
            spinners.add(Thread.ofPlatform().daemon().start(() -> spin(running)));
        }
        try {
            Thread.sleep(200); // let the spinners get scheduled before the window opens
            long cpuBefore = ownCpuNanos();
            long wallBefore = System.nanoTime();
            nodeCpu.read();
            Thread.sleep(WINDOW);
            OptionalDouble node = nodeCpu.read();
            long cpuAfter = ownCpuNanos();
            long wallAfter = System.nanoTime();

            double ownShare = 100.0 * (cpuAfter - cpuBefore) / ((double) (wallAfter - wallBefore) * cpus);
            // A precondition only: on a crowded machine the spinners may get little, but must get some.
            assertThat(ownShare).as("share of the node this JVM burned").isGreaterThan(2);
            assertThat(node).isPresent();
            // /proc/stat counts in 10 ms ticks: allow a few points of rounding between the two sources.
            assertThat(node.getAsDouble())
                    .as("node CPU %% while this JVM burned %.1f %%", ownShare)
                    .isGreaterThanOrEqualTo(ownShare - 5);
        } finally {
            running.set(false);
            for (Thread spinner : spinners) {
                spinner.join();
            }
        }
    }

    private static long ownCpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos();
    }

    private static void spin(AtomicBoolean running) {
        long x = 0;
        while (running.get()) {
            x += System.nanoTime() % 7;
        }
        if (x == 42) {
            System.out.print("");
        }
    }
}
