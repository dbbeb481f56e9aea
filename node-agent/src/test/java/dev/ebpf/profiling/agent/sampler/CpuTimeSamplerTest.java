package dev.ebpf.profiling.agent.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import dev.ebpf.profiling.agent.testsupport.CpuAffinity;
import dev.ebpf.profiling.agent.testsupport.PodCgroups;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.agent.testsupport.TestTags;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The CPU time program on real pods, against the kernel's own per-cgroup account (cpu.stat).
 *
 * <p>Tolerance: both sides are the scheduler's view of the same tasks, so they differ only by
 * (a) when each is read: cpu.stat of a task that is running lags by up to one scheduler tick
 * (4 ms at HZ=250), and the cut and the cpu.stat read are microseconds apart; (b) interrupts
 * served while a task ran, which our stretches include and cpu.stat leaves out with
 * IRQ_TIME_ACCOUNTING (well under 1% of a CPU here). Over a window of seconds that is hundredths
 * of a point, so the 1-point bound of issue 13 holds with a wide margin on a busy machine too.
 *
 * <p>What does depend on the machine is the gap between reading cpu.stat and the cut: on a crowded
 * CPU this test's thread can wait tens of ms between the two while a pod's loop runs on. So
 * cpu.stat is read on both sides of each cut ({@link Bracket}), and the truth over the window lies
 * between the inner and the outer difference: the bound is 1 point beyond that range, as tight as
 * the readings allow (the range is microseconds wide on a quiet machine).
 */
@Tag(TestTags.BPF)
class CpuTimeSamplerTest {

    /** The largest gap allowed between our CPU% and cpu.stat's, in points (issue 13). */
    private static final double POINTS = 1.0;

    @BeforeEach
    void bpfAvailable() {
        RequiresRoot.assumeBpf();
    }

    private static long nanosOf(RawCpuTimeSlice slice, long cgroupId) {
        return slice.nanos().entrySet().stream()
                .filter(e -> e.getKey().cgroupId() == cgroupId)
                .mapToLong(e -> e.getValue())
                .sum();
    }

    /** cpu.stat (µs) read just before and just after a cut. */
    private record Bracket(long before, long after) {

        static Bracket around(PodCgroups.Container container, Callable<RawCpuTimeSlice> cut, List<RawCpuTimeSlice> out)
                throws Exception {
            long before = container.cpuUsageMicros();
            RawCpuTimeSlice slice = cut.call();
            long after = container.cpuUsageMicros();
            if (out != null) {
                out.add(slice);
            }
            return new Bracket(before, after);
        }

        /** The least and the most CPU time, in ns, cpu.stat can have charged between two cuts. */
        static long[] usedBetween(Bracket start, Bracket end) {
            return new long[] {(end.before - start.after) * 1000, (end.after - start.before) * 1000};
        }
    }

    /** Our CPU% lies within {@link #POINTS} of the range cpu.stat allows over the window. */
    private static void assertWithinCpuStat(String what, long counted, long[] usedRange, long wallNanos, int cpus) {
        double ours = percent(counted, wallNanos, cpus);
        assertThat(ours)
                .as(
                        "%s: %.2f%% vs cpu.stat's %.2f..%.2f%%",
                        what, ours, percent(usedRange[0], wallNanos, cpus), percent(usedRange[1], wallNanos, cpus))
                .isBetween(
                        percent(usedRange[0], wallNanos, cpus) - POINTS,
                        percent(usedRange[1], wallNanos, cpus) + POINTS);
    }

    /** Time over (wall x CPUs), in percent: what the agent reports as CPU%. */
    private static double percent(long nanos, long wallNanos, int cpus) {
        return nanos * 100.0 / ((double) wallNanos * cpus);
    }

    @Test
    void twoPodsSharingACpuWithOtherWorkMatchTheirCpuStat() throws Exception {
        int cpus = OnlineCpus.read().cpus().size();
        try (PodCgroups first = PodCgroups.builder().container().build();
                PodCgroups second = PodCgroups.builder().container().build();
                PodCgroups other = PodCgroups.builder().container().build()) {
            PodCgroups.Container a = first.container(0);
            PodCgroups.Container b = second.container(0);
            // Three loops on CPU 0 (the pods and other work), plus a shell that forks on CPU 1:
            // the pods get uneven, changing shares of a shared CPU.
            a.start("taskset", "-c", "0", "sh", "-c", "while :; do :; done");
            b.start("taskset", "-c", "0", "sh", "-c", "while :; do sleep 0.001; done");
            other.container(0).start("taskset", "-c", "0", "sh", "-c", "while :; do :; done");
            other.container(0).start("sh", "-c", "while :; do /bin/true; done");
            try (CpuTimeSampler sampler = CpuTimeSampler.start(CpuTimeSampler.Settings.of(Set.of()))) {
                Thread.sleep(300);
                long aBefore = a.cpuUsageMicros();
                long bBefore = b.cpuUsageMicros();
                sampler.cut();
                long aAtCut = a.cpuUsageMicros();
                long bAtCut = b.cpuUsageMicros();
                Thread.sleep(5_000);
                long aAtEnd = a.cpuUsageMicros();
                long bAtEnd = b.cpuUsageMicros();
                RawCpuTimeSlice slice = sampler.cut();
                long aAfter = a.cpuUsageMicros();
                long bAfter = b.cpuUsageMicros();

                long[] aUsed = Bracket.usedBetween(new Bracket(aBefore, aAtCut), new Bracket(aAtEnd, aAfter));
                long[] bUsed = Bracket.usedBetween(new Bracket(bBefore, bAtCut), new Bracket(bAtEnd, bAfter));
                assertWithinCpuStat(
                        "busy pod vs its cpu.stat", nanosOf(slice, a.cgroupId()), aUsed, slice.durationNanos(), cpus);
                assertWithinCpuStat(
                        "sleepy pod vs its cpu.stat", nanosOf(slice, b.cgroupId()), bUsed, slice.durationNanos(), cpus);
                assertThat(percent(aUsed[0], slice.durationNanos(), cpus))
                        .as("the busy pod really ran")
                        .isGreaterThan(0.5);
                assertThat(slice.nanos().keySet())
                        .filteredOn(key -> key.cgroupId() == a.cgroupId())
                        .extracting(CpuTimeKey::cpu)
                        .containsOnly(0);
                assertThat(slice.lostNanos()).isZero();
            }
        }
    }

    @Test
    void processesLivingMillisecondsAreCounted() throws Exception {
        int cpus = OnlineCpus.read().cpus().size();
        int processes = 100;
        try (PodCgroups pod = PodCgroups.builder().container().build()) {
            PodCgroups.Container spawner = pod.container(0);
            try (CpuTimeSampler sampler =
                    CpuTimeSampler.start(CpuTimeSampler.Settings.onlyCgroups(Set.of(spawner.cgroupId())))) {
                Bracket start = Bracket.around(spawner, sampler::cut, null);
                // Each awk lives about 10 ms, busy; the shell in between is counted as well. The
                // shell waits a moment first: the fixture moves it into the pod after it started.
                Process run = spawner.start(
                        "sh",
                        "-c",
                        "sleep 0.3; i=0; while [ $i -lt " + processes + " ]; do"
                                + " awk 'BEGIN { for (n = 0; n < 200000; n++) x += n }'; i=$((i+1)); done");
                assertThat(run.waitFor()).isZero();
                List<RawCpuTimeSlice> end = new ArrayList<>();
                Bracket stop = Bracket.around(spawner, sampler::cut, end);
                RawCpuTimeSlice slice = end.getFirst();

                long counted = nanosOf(slice, spawner.cgroupId());
                assertWithinCpuStat(
                        "short-lived processes vs their cgroup's cpu.stat",
                        counted,
                        Bracket.usedBetween(start, stop),
                        slice.durationNanos(),
                        cpus);
                assertThat(slice.lostNanos()).as("nothing lost to a full map").isZero();
                // Each process that ran is its own key: every awk (and the shell) was charged.
                long tgids = slice.nanos().keySet().stream()
                        .filter(key -> key.comm().equals("awk"))
                        .map(CpuTimeKey::tgid)
                        .distinct()
                        .count();
                assertThat(tgids).isEqualTo(processes);
            }
        }
    }

    /**
     * A loop that never leaves its CPU: SCHED_FIFO on CPU 1, so no ordinary task preempts it
     * (only the kernel's real-time throttling, 50 ms a second, and interrupts do), and this JVM on
     * CPU 0 for the 2 s it runs. Without the flush at each cut it would be charged only when
     * throttled, once a second; with it, every 100 ms slice holds most of CPU 1.
     */
    @Test
    @SuppressWarnings("try") // jvmOnCpu0 is held only to be closed: it unpins the JVM at the end
    void aBusyLoopIsCountedUpToEachCutAndSlicesAddUpToTheWhole() throws Exception {
        int cpus = OnlineCpus.read().cpus().size();
        RequiresRoot.require(cpus >= 2, "needs 2 CPUs: one for the real-time loop, one for the rest");
        try (CpuAffinity jvmOnCpu0 = CpuAffinity.pinThisJvm("0");
                PodCgroups pod = PodCgroups.builder().container().build()) {
            PodCgroups.Container busy = pod.container(0);
            try (CpuTimeSampler sampler =
                    CpuTimeSampler.start(CpuTimeSampler.Settings.onlyCgroups(Set.of(busy.cgroupId())))) {
                Process loop = busy.start("chrt", "-f", "1", "taskset", "-c", "1", "sh", "-c", "while :; do :; done");
                Thread.sleep(200);
                Bracket start = Bracket.around(busy, sampler::cut, null);
                List<RawCpuTimeSlice> slices = new ArrayList<>();
                for (int i = 0; i < 19; i++) {
                    Thread.sleep(100);
                    slices.add(sampler.cut());
                }
                Thread.sleep(100);
                Bracket stop = Bracket.around(busy, sampler::cut, slices);
                loop.destroyForcibly();
                long whole = slices.stream()
                        .mapToLong(RawCpuTimeSlice::durationNanos)
                        .sum();
                long counted = slices.stream()
                        .mapToLong(s -> nanosOf(s, busy.cgroupId()))
                        .sum();
                assertWithinCpuStat(
                        "the sum of 20 slices vs cpu.stat over them",
                        counted,
                        Bracket.usedBetween(start, stop),
                        whole,
                        cpus);
                // Real-time throttling takes at most 50 ms in a second, so each slice of about
                // 100 ms holds at least a third of its length; an unflushed one would hold 0.
                for (RawCpuTimeSlice slice : slices) {
                    assertThat(nanosOf(slice, busy.cgroupId()))
                            .as("the loop's time in a slice of %d ms", slice.durationNanos() / 1_000_000)
                            .isGreaterThan(slice.durationNanos() / 3)
                            .isLessThanOrEqualTo(slice.durationNanos() + 1_000_000);
                }
            }
        }
    }
}
