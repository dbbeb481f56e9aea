package dev.ebpf.profiling.agent.sampler;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebpf.profiling.agent.bpf.BpfException;
import dev.ebpf.profiling.agent.bpf.BpfMap;
import dev.ebpf.profiling.agent.symbolize.KernelSymbols;
import dev.ebpf.profiling.agent.testsupport.PodCgroups;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.agent.testsupport.TestTags;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The real off-CPU program on the real sched_switch tracepoint, watching real blocked processes (as root). */
@Tag(TestTags.BPF)
class OffCpuSamplerTest {

    private static final long MILLIS = 1_000_000;
    /** prev_state of a task in interruptible sleep (S). */
    private static final long STATE_S = 0x1;

    private static final List<Integer> ALL_CPUS = List.of(0, 1);

    @BeforeEach
    void bpfAvailable() {
        RequiresRoot.assumeBpf();
    }

    private static Map<OffCpuKey, BlockedTime> of(RawOffCpuSlice slice, long pid) {
        return slice.blocked().entrySet().stream()
                .filter(e -> e.getKey().tgid() == pid)
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    @Test
    void aPipeReaderAndASleeperAreBlockedForTheWholeSliceInStateS() throws Exception {
        try (OffCpuProcesses processes = new OffCpuProcesses();
                OffCpuSampler sampler = OffCpuSampler.start(new OffCpuSampler.Settings(ALL_CPUS, Set.of(), MILLIS))) {
            Process reader = processes.pipeReader();
            Process sleeper = processes.sleeper(-1);
            Thread.sleep(300);
            sampler.cut();
            Thread.sleep(3000);
            RawOffCpuSlice slice = sampler.cut();

            for (Process process : List.of(reader, sleeper)) {
                Map<OffCpuKey, BlockedTime> blocked = of(slice, process.pid());
                assertThat((double) slice.blockedNanosOf(process.pid()))
                        .as("blocked time of %s", process.info().command())
                        .isCloseTo((double) slice.durationNanos(), Percentage.withPercentage(10));
                assertThat(blocked.keySet()).allSatisfy(key -> {
                    assertThat(key.prevState()).isEqualTo(STATE_S);
                    assertThat(key.hasKernelStack()).isTrue();
                    assertThat(slice.stacks()).containsKey(key.kernelStackId());
                });
                // Still blocked at the cut: reported as going on, not as ended.
                assertThat(blocked.values())
                        .allSatisfy(time -> assertThat(time.ongoing()).isEqualTo(1));
            }
            assertThat(of(slice, reader.pid()).keySet())
                    .allSatisfy(key -> assertThat(key.comm()).isEqualTo("sh"));
            assertThat(of(slice, sleeper.pid()).keySet())
                    .allSatisfy(key -> assertThat(key.comm()).isEqualTo("sleep"));
            // The stacks are the ones taken as each went off the CPU: where it waits.
            KernelSymbols kernel = KernelSymbols.load();
            // pipe_read, or anon_pipe_read since Linux 6.15.
            assertThat(kernelFunctions(slice, reader.pid(), kernel)).anyMatch(name -> name.endsWith("pipe_read"));
            assertThat(kernelFunctions(slice, sleeper.pid(), kernel)).anyMatch(name -> name.contains("nanosleep"));
        }
    }

    private static List<String> kernelFunctions(RawOffCpuSlice slice, long pid, KernelSymbols kernel) {
        return of(slice, pid).keySet().stream()
                .flatMap(key -> java.util.Arrays.stream(slice.stacks().get(key.kernelStackId()))
                        .boxed())
                .map(ip -> kernel.resolve(ip).function())
                .toList();
    }

    @Test
    void theMinimumBlockDropsShortBlocksInTheKernel() throws Exception {
        try (OffCpuProcesses processes = new OffCpuProcesses();
                OffCpuSampler strict = OffCpuSampler.start(new OffCpuSampler.Settings(ALL_CPUS, Set.of(), MILLIS));
                OffCpuSampler loose = OffCpuSampler.start(new OffCpuSampler.Settings(ALL_CPUS, Set.of(), 10_000))) {
            Process napper = processes.shortSleeper(100);
            Thread.sleep(300);
            strict.cut();
            loose.cut();
            Thread.sleep(2000);
            RawOffCpuSlice looseSlice = loose.cut();
            RawOffCpuSlice strictSlice = strict.cut();

            long seen = ended(looseSlice, napper.pid());
            // About 100 us asleep plus timer slack per round: thousands of blocks in 2 s.
            assertThat(seen).isGreaterThan(1000);
            assertThat((double) looseSlice.blockedNanosOf(napper.pid()))
                    .isGreaterThan(0.3 * looseSlice.durationNanos());
            // With 1 ms only late wake-ups get through (more of them on a busy machine), and only as
            // blocks of 1 ms or more. The strict window holds the loose one (cut before it, after it),
            // so each block the loose sampler saw end was kept or dropped as short by the strict one.
            long kept = ended(strictSlice, napper.pid());
            assertThat(kept).isLessThan(seen / 2);
            assertThat(strictSlice.blockedNanosOf(napper.pid())).isGreaterThanOrEqualTo(kept * MILLIS);
            assertThat(kept + strictSlice.counters().shortBlocks()).isGreaterThanOrEqualTo(seen);
        }
    }

    private static long ended(RawOffCpuSlice slice, long pid) {
        return of(slice, pid).values().stream().mapToLong(BlockedTime::ended).sum();
    }

    @Test
    void aCpuFilterTracksOnlyTasksThatLeaveThoseCpus() throws Exception {
        try (OffCpuProcesses processes = new OffCpuProcesses();
                OffCpuSampler sampler = OffCpuSampler.start(new OffCpuSampler.Settings(List.of(1), Set.of(), MILLIS))) {
            Process onCpu0 = processes.sleeper(0);
            Process onCpu1 = processes.sleeper(1);
            Process napperOnCpu0 =
                    processes.start("taskset", "-c", "0", "perl", "-e", "select(undef, undef, undef, 0.005) while 1");
            Thread.sleep(300);
            sampler.cut();
            Thread.sleep(1500);
            RawOffCpuSlice slice = sampler.cut();

            assertThat(slice.blockedNanosOf(onCpu0.pid())).isZero();
            assertThat(slice.blockedNanosOf(napperOnCpu0.pid())).isZero();
            assertThat((double) slice.blockedNanosOf(onCpu1.pid()))
                    .isCloseTo((double) slice.durationNanos(), Percentage.withPercentage(10));
        }
    }

    @Test
    void aCgroupFilterTracksOnlyThatPod() throws Exception {
        try (OffCpuProcesses processes = new OffCpuProcesses();
                PodCgroups pod = PodCgroups.builder().container().build()) {
            long podId =
                    (Long) Files.getAttribute(pod.container(0).v2Directory().getParent(), "unix:ino");
            try (OffCpuSampler sampler =
                    OffCpuSampler.start(OffCpuSampler.Settings.onlyCgroups(ALL_CPUS, Set.of(), MILLIS))) {
                // A filter that admits nothing yet (a job whose pods are not on this node yet) tracks nothing.
                Thread.sleep(300);
                assertThat(sampler.cut().blocked()).isEmpty();
                sampler.replaceAllowedCgroups(Set.of(podId));
                // The fixture moves a process in after it started, so the shell waits for a line
                // and only then goes to sleep, inside the pod.
                Process inPod = pod.container(0).start("sh", "-c", "read go; exec sleep 30");
                Process outside = processes.sleeper(-1);
                inPod.getOutputStream().write('\n');
                inPod.getOutputStream().flush();
                Thread.sleep(300);
                sampler.cut();
                Thread.sleep(1500);
                RawOffCpuSlice slice = sampler.cut();

                assertThat(slice.blockedNanosOf(outside.pid())).isZero();
                assertThat((double) slice.blockedNanosOf(inPod.pid()))
                        .isCloseTo((double) slice.durationNanos(), Percentage.withPercentage(10));
                assertThat(slice.blocked().keySet())
                        .allSatisfy(key -> assertThat(key.cgroupId())
                                .isEqualTo(pod.container(0).cgroupId()));
                assertThat(slice.counters().filteredOut()).isPositive();
            }
        }
    }

    @Test
    void slicesAddUpToTheWhole() throws Exception {
        try (OffCpuProcesses processes = new OffCpuProcesses();
                OffCpuSampler once = OffCpuSampler.start(new OffCpuSampler.Settings(ALL_CPUS, Set.of(), MILLIS));
                OffCpuSampler often = OffCpuSampler.start(new OffCpuSampler.Settings(ALL_CPUS, Set.of(), MILLIS))) {
            // One blocked through every slice, one whose 70 ms blocks end in various slices.
            Process sleeper = processes.sleeper(-1);
            Process napper = processes.shortSleeper(70_000);
            Thread.sleep(300);
            often.cut();
            once.cut();
            List<RawOffCpuSlice> slices = new java.util.ArrayList<>();
            for (int i = 0; i < 12; i++) {
                Thread.sleep(250);
                slices.add(often.cut());
            }
            RawOffCpuSlice whole = once.cut();

            for (int i = 1; i < slices.size(); i++) {
                assertThat(slices.get(i).start()).isEqualTo(slices.get(i - 1).end());
            }
            long slicedNanos =
                    slices.stream().mapToLong(RawOffCpuSlice::durationNanos).sum();
            for (RawOffCpuSlice slice : slices) {
                // Blocked through every slice: each one shows all of it (both clocks are CLOCK_MONOTONIC).
                assertThat((double) slice.blockedNanosOf(sleeper.pid()))
                        .isCloseTo((double) slice.durationNanos(), Percentage.withPercentage(1));
                // One thread cannot be blocked longer than the slice: nothing is counted twice.
                assertThat((double) slice.blockedNanosOf(napper.pid()))
                        .isLessThanOrEqualTo(slice.durationNanos() * 1.01);
            }
            // Off-CPU time is measured, not sampled: the two samplers differ only where their windows
            // do, at both ends, by the time a cut takes (longer on a busy machine, so measured here).
            long edgeNanos = Duration.between(slices.getFirst().start(), whole.start())
                            .abs()
                            .toNanos()
                    + Duration.between(slices.getLast().end(), whole.end())
                            .abs()
                            .toNanos();
            for (Process process : List.of(sleeper, napper)) {
                // So compare the share of the window each saw the process blocked: they differ by at
                // most the edges' share (plus 1% for the Instant and monotonic clocks' disagreement).
                double slicedShare = slices.stream()
                                .mapToLong(s -> s.blockedNanosOf(process.pid()))
                                .sum()
                        / (double) slicedNanos;
                double wholeShare = whole.blockedNanosOf(process.pid()) / (double) whole.durationNanos();
                assertThat(slicedShare)
                        .isCloseTo(
                                wholeShare,
                                org.assertj.core.data.Offset.offset(edgeNanos / (double) slicedNanos + 0.01));
            }
            // Both samplers see the same naps end, but for those ending in the edges: each nap lasts at
            // least 70 ms, so at most edge / 70 ms + 1 per edge. How many naps fit in the window depends
            // on how soon the napper gets a CPU back, so the window bounds them only from above.
            long napperBlocks =
                    slices.stream().mapToLong(s -> ended(s, napper.pid())).sum();
            long edgeNaps = edgeNanos / (70 * MILLIS) + 2;
            assertThat(napperBlocks)
                    .isPositive()
                    .isLessThanOrEqualTo(slicedNanos / (70 * MILLIS) + 1)
                    .isCloseTo(ended(whole, napper.pid()), org.assertj.core.data.Offset.offset(edgeNaps));
        }
    }

    @Test
    void aBlockCarriedOverSeveralCutsIsSplitAtEachOfThem() throws Exception {
        try (OffCpuProcesses processes = new OffCpuProcesses();
                OffCpuSampler sampler = OffCpuSampler.start(new OffCpuSampler.Settings(ALL_CPUS, Set.of(), MILLIS))) {
            // Naps of 50-110 ms across slices of 30-40 ms: most naps go on over two or more cuts, so
            // the agent carries them at one cut and they often end at the next, some of them between
            // its slot flip and its carry (the 10 ms the cut waits for programs in flight, and more).
            List<Process> nappers = new java.util.ArrayList<>();
            for (int micros = 50_000; micros <= 110_000; micros += 20_000) {
                nappers.add(processes.shortSleeper(micros));
            }
            Thread.sleep(300);
            List<RawOffCpuSlice> slices = new java.util.ArrayList<>();
            // How long each cut call took: the cut reads its clock (a slice's edge) inside the call, and
            // may rewrite a task that came back and left again up to its return (see OffCpuSampler).
            List<Long> cutTook = new java.util.ArrayList<>();
            for (int i = 0; i <= 100; i++) {
                Thread.sleep(20);
                long calling = System.nanoTime();
                RawOffCpuSlice slice = sampler.cut();
                cutTook.add(System.nanoTime() - calling);
                slices.add(slice);
            }

            long ended = 0;
            List<String> over = new java.util.ArrayList<>();
            for (int i = 1; i < slices.size(); i++) {
                RawOffCpuSlice slice = slices.get(i);
                for (Process napper : nappers) {
                    // One thread cannot be blocked longer than the slice. Both figures come from one clock
                    // (CLOCK_MONOTONIC), so the bound is exact but for the slack of the cut that began the
                    // slice, and a block shorter than the minimum (1 ms) at a cut, counted whole where it ends.
                    long blocked = slice.blockedNanosOf(napper.pid());
                    long bound = slice.durationNanos() + cutTook.get(i - 1) + MILLIS;
                    if (blocked > bound) {
                        over.add("slice " + i + " of " + slice.durationNanos() / MILLIS + " ms: napper " + napper.pid()
                                + " blocked " + blocked / MILLIS + " ms, bound " + bound / MILLIS);
                    }
                    ended += ended(slice, napper.pid());
                }
            }
            assertThat(over).as("threads blocked longer than their slice").isEmpty();
            // The naps did end throughout (else nothing above was tested): 4 nappers over ~3 s.
            assertThat(ended).isGreaterThan(20);
        }
    }

    @Test
    void theProgramNotesWhereItCountedEachEndedBlockFrom() throws Exception {
        try (OffCpuProcesses processes = new OffCpuProcesses();
                OffCpuSampler sampler = OffCpuSampler.start(new OffCpuSampler.Settings(ALL_CPUS, Set.of(), MILLIS))) {
            long started = System.nanoTime();
            Process napper = processes.shortSleeper(20_000);
            Thread.sleep(500);
            // perl is single-threaded: its thread id is its pid. Its naps of 20 ms ended over and
            // over, each counted from when it went off the CPU (no cut came in between).
            long countedFrom = readLong(sampler.countedFromMap(), (int) napper.pid());
            assertThat(countedFrom).isBetween(started, System.nanoTime());
        }
    }

    @Test
    void aCarriedBlockTheKernelCountedTooIsReportedOnce() throws Exception {
        try (OffCpuProcesses processes = new OffCpuProcesses();
                OffCpuSampler sampler = OffCpuSampler.start(new OffCpuSampler.Settings(ALL_CPUS, Set.of(), MILLIS))) {
            Process counted = processes.sleeper(-1);
            Process control = processes.sleeper(-1);
            Thread.sleep(300);
            sampler.cut(); // both carried: their entries now say "accounted up to this cut"
            Thread.sleep(300);
            // The race (a program copies a task's entry just before the agent takes it at the next
            // cut, then counts the block, the part before the cut with it) lasts nanoseconds and
            // cannot be provoked; so what that program notes is written here by hand, for one of
            // the two sleepers: the kernel counted its block from the accounted_ns the agent holds.
            int pid = (int) counted.pid();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment key = arena.allocate(JAVA_INT);
                MemorySegment task = arena.allocate(OffCpuTask.LAYOUT);
                key.set(JAVA_INT, 0, pid);
                assertThat(sampler.taskMap().lookup(key, task)).isTrue();
                MemorySegment from = arena.allocate(JAVA_LONG);
                from.set(JAVA_LONG, 0, OffCpuTask.read(task).accountedNanos());
                sampler.countedFromMap().update(key, from, 0);
            }
            RawOffCpuSlice slice = sampler.cut();

            // The agent leaves the slice's part to the kernel's count (the kernel's note is all that
            // was faked: nothing was counted for it), and drops the entry of the ended block.
            assertThat(slice.blockedNanosOf(pid)).isZero();
            assertThat(readLongOrNull(sampler.taskMap(), pid)).isNull();
            // The other sleeper, with no such note, is reported through the whole slice.
            assertThat((double) slice.blockedNanosOf(control.pid()))
                    .isCloseTo((double) slice.durationNanos(), Percentage.withPercentage(1));
        }
    }

    /** The first 8 bytes of the value at a thread id. */
    private static long readLong(BpfMap map, int pid) {
        Long value = readLongOrNull(map, pid);
        assertThat(value).as("%s holds thread %d", map.name(), pid).isNotNull();
        return value;
    }

    private static Long readLongOrNull(BpfMap map, int pid) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(JAVA_INT);
            MemorySegment value = arena.allocate(map.valueSize(), 8);
            key.set(JAVA_INT, 0, pid);
            return map.lookup(key, value) ? value.get(JAVA_LONG, 0) : null;
        }
    }

    @Test
    void aFullCountMapLosesBlocksAndSaysHowMany() throws Exception {
        try (OffCpuProcesses processes = new OffCpuProcesses();
                OffCpuSampler sampler =
                        OffCpuSampler.start(new OffCpuSampler.Settings(ALL_CPUS, false, Set.of(), MILLIS, 16))) {
            // 40 processes each ending 2 ms blocks: 40 keys at least, in a map of 16.
            for (int i = 0; i < 40; i++) {
                processes.shortSleeper(2_000);
            }
            Thread.sleep(300);
            sampler.cut();
            Thread.sleep(1000);
            RawOffCpuSlice slice = sampler.cut();

            assertThat(slice.counters().lost().countMapFull()).isPositive();
            // Every block that ended is either under a key or lost; a lost entry can also be the
            // part before the cut of a block that ended just after it.
            long keyedBlocks = slice.blocked().values().stream()
                    .mapToLong(BlockedTime::ended)
                    .sum();
            assertThat(keyedBlocks).isLessThan(slice.counters().blocks());
            assertThat(keyedBlocks + slice.counters().lost().countMapFull())
                    .isGreaterThanOrEqualTo(slice.counters().blocks());
        }
    }

    @Test
    void aProcessKilledWhileBlockedKeepsItsTimeUpToTheKillUnderItsName() throws Exception {
        try (OffCpuProcesses processes = new OffCpuProcesses();
                OffCpuSampler sampler = OffCpuSampler.start(new OffCpuSampler.Settings(ALL_CPUS, Set.of(), MILLIS))) {
            Process sleeper = processes.sleeper(-1);
            Thread.sleep(300);
            // Off-CPU time is measured, so it lies between two clock readings: from the cut's return
            // to the kill, and from before the cut (its flip starts the slice) to the exit seen. On a
            // busy machine a cut and a kill take a while: the readings say how long, not a percentage.
            long beforeCut = System.nanoTime();
            sampler.cut();
            long started = System.nanoTime();
            Thread.sleep(1000);
            long killing = System.nanoTime();
            sleeper.destroyForcibly().waitFor();
            long exited = System.nanoTime();
            Thread.sleep(500);
            RawOffCpuSlice slice = sampler.cut();

            assertThat(slice.blockedNanosOf(sleeper.pid())).isBetween(killing - started, exited - beforeCut);
            assertThat(of(slice, sleeper.pid()).keySet())
                    .isNotEmpty()
                    .allSatisfy(key -> assertThat(key.comm()).isEqualTo("sleep"));
            // The kill woke it: its block ended in this slice.
            assertThat(ended(slice, sleeper.pid())).isPositive();
        }
    }

    @Test
    void aTracefsThatCannotBeMountedIsOneClearLine() {
        assertThatThrownBy(() -> OffCpuSampler.requireTracefs(Path.of("/nonexistent/tracing")))
                .isInstanceOf(BpfException.class)
                .hasMessage(
                        "the sched_switch tracepoint is not visible at /nonexistent/tracing/events/sched/sched_switch:"
                                + " tracefs is not mounted and mounting it failed (as root: mount -t tracefs nodev /nonexistent/tracing)");
    }
}
