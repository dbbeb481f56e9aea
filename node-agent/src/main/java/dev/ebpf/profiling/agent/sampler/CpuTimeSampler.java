package dev.ebpf.profiling.agent.sampler;

import static dev.ebpf.profiling.bpf.BpfContract.CPUTIME_COUNTER_COUNT;
import static dev.ebpf.profiling.bpf.BpfContract.CPUTIME_COUNTER_LOST_NS;
import static dev.ebpf.profiling.bpf.BpfContract.SLOT_COUNT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.ebpf.profiling.agent.bpf.BpfException;
import dev.ebpf.profiling.agent.bpf.BpfMap;
import dev.ebpf.profiling.agent.bpf.BpfObject;
import dev.ebpf.profiling.agent.bpf.StructFields;
import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import dev.ebpf.profiling.bpf.BpfGlobals;
import dev.ebpf.profiling.bpf.BpfStructs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The kernel's own CPU time per process and cgroup: bpf/cputime.bpf.c on the sched_switch
 * tracepoint, which charges each task leaving a CPU the time since it came on. This is what makes
 * CPU% exact (samples serve the stacks): timer sampling is biased toward tasks that run when the
 * timer fires, and misses processes that live for a few milliseconds.
 *
 * <p>Slicing uses two slots (A/B maps) as the samplers do. {@link #cut()} writes the cut time,
 * flips {@code active_slot}, then runs the flush program once on every online CPU (in an interrupt
 * there, see {@link BpfObject#runOnCpu}): it charges the task running on that CPU up to now, the
 * part before the cut to the ending slot. A task that never leaves the CPU is so counted up to
 * each cut, and once every CPU has been flushed after the flip nothing writes the ending slot any
 * more (a program running on a CPU holds off the interrupt until it is done), so it is drained
 * without a wait. Time is never lost or counted twice across a cut; a switch in the microseconds
 * between the agent's clock read and its flip is placed on the ending side of the cut.
 *
 * <p>Counting happens on every CPU; each key carries its CPU, so slices are filtered to the CPUs a
 * profile or job selected ({@link RawCpuTimeSlice#filtered}).
 */
public final class CpuTimeSampler implements AutoCloseable {

    private static final String OBJECT = "cputime";
    private static final String SWITCH_PROGRAM = "cpu_time_switch";
    private static final String FLUSH_PROGRAM = "cpu_time_flush";
    // The program's variables, at the offsets the build read from cputime.bpf.o and its BTF.
    private static final long SLICE_ACTIVE_SLOT =
            BpfGlobals.Cputime.SLICE + StructFields.offset(BpfStructs.CPUTIME_SLICE, "active_slot", JAVA_INT);
    private static final long SLICE_CUT_NANOS =
            BpfGlobals.Cputime.SLICE + StructFields.offset(BpfStructs.CPUTIME_SLICE, "cut_ns", JAVA_LONG);
    private static final long CONFIG_FILTER_CGROUPS = BpfGlobals.Cputime.CPUTIME_CONFIG
            + StructFields.offset(BpfStructs.CPUTIME_CONFIG, "filter_cgroups", JAVA_INT);
    /** The kernel's answer to a test run on a CPU that is not online. */
    private static final int ENXIO = 6;

    /**
     * @param filterCgroups    count only {@code allowedCgroupIds} and their descendants (even when
     *                         that set is empty: then nothing is counted)
     * @param allowedCgroupIds the cgroups the filter admits
     */
    public record Settings(boolean filterCgroups, Set<Long> allowedCgroupIds) {
        public Settings {
            allowedCgroupIds = Set.copyOf(allowedCgroupIds);
        }

        /** Everything when {@code allowedCgroupIds} is empty, else only those cgroups. */
        public static Settings of(Set<Long> allowedCgroupIds) {
            return new Settings(!allowedCgroupIds.isEmpty(), allowedCgroupIds);
        }

        /** Only these cgroups, and nothing at all while the set is empty. */
        public static Settings onlyCgroups(Set<Long> allowedCgroupIds) {
            return new Settings(true, allowedCgroupIds);
        }
    }

    private final Settings settings;
    private final BpfObject object;
    private final BpfMap sliceVariable;
    private final BpfMap[] counts = new BpfMap[SLOT_COUNT];
    private final BpfMap counters;
    private final AllowedCgroups allowedCgroups;
    private final List<Integer> cpus;
    private int activeSlot;
    private Instant sliceStart;
    private long sliceStartNanos;

    private CpuTimeSampler(Settings settings, BpfObject object) {
        this.settings = settings;
        this.object = object;
        this.sliceVariable = object.map(".bss").requireSizes(Integer.BYTES, BpfGlobals.Cputime.BSS_SIZE);
        for (int slot = 0; slot < SLOT_COUNT; slot++) {
            counts[slot] = object.map("counts_" + slot).requireSizes(CpuTimeKey.LAYOUT.byteSize(), Long.BYTES);
        }
        this.counters = object.map("counters").requireSizes(Integer.BYTES, Long.BYTES);
        this.allowedCgroups = new AllowedCgroups(object.map("allowed_cgroups"));
        allowedCgroups.replace(settings.allowedCgroupIds()); // before the program is attached
        this.cpus = OnlineCpus.read().cpus();
    }

    /**
     * Loads the programs, attaches to sched_switch, starts every CPU's first stretch and the first
     * slice. Throws {@link BpfException} when the kernel refuses (no tracefs, no BTF, no test run
     * on a CPU before Linux 5.10): callers fall back to samples and say so.
     */
    public static CpuTimeSampler start(Settings settings) {
        OffCpuSampler.requireTracefs(OffCpuSampler.TRACEFS);
        BpfObject object = BpfObject.open(OBJECT);
        try {
            MemorySegment config = object.sectionBeforeLoad(".rodata", BpfGlobals.Cputime.RODATA_SIZE);
            config.set(JAVA_INT, CONFIG_FILTER_CGROUPS, settings.filterCgroups() ? 1 : 0);
            object.load();
            CpuTimeSampler sampler = new CpuTimeSampler(settings, object);
            object.attach(SWITCH_PROGRAM);
            // A task already running when the program was attached is counted from here on.
            sampler.flushEveryCpu();
            sampler.beginSlice(Instant.now(), System.nanoTime());
            return sampler;
        } catch (RuntimeException e) {
            object.close();
            throw e;
        }
    }

    public Settings settings() {
        return settings;
    }

    /** The sched_switch program's run count and time (benchmarks; 0 unless kernel.bpf_stats_enabled). */
    public BpfObject.ProgramStats switchProgramStats() {
        return object.programStats(SWITCH_PROGRAM);
    }

    /** Changes the cgroups the filter admits, for the time counted from now on. */
    public synchronized void replaceAllowedCgroups(Set<Long> cgroupIds) {
        if (!settings.filterCgroups()) {
            throw new IllegalStateException("this sampler was started without a cgroup filter");
        }
        allowedCgroups.replace(cgroupIds);
    }

    private void beginSlice(Instant start, long startNanos) {
        this.sliceStart = start;
        this.sliceStartNanos = startNanos;
    }

    /** Ends the current slice, starts the next one, and returns the time the ended one counted. */
    public synchronized RawCpuTimeSlice cut() {
        int finished = activeSlot;
        int next = (finished + 1) % SLOT_COUNT;
        // The clock is read before the flip: time after it is the next slice's.
        long cutNanos = System.nanoTime();
        Instant end = Instant.now();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment zero = arena.allocate(JAVA_INT);
            MemorySegment state = arena.allocate(BpfGlobals.Cputime.BSS_SIZE, 8);
            // Two writes, cut time first: a program that sees the new slot also sees its cut time.
            state.set(JAVA_INT, SLICE_ACTIVE_SLOT, finished);
            state.set(JAVA_LONG, SLICE_CUT_NANOS, cutNanos);
            sliceVariable.update(zero, state, 0);
            state.set(JAVA_INT, SLICE_ACTIVE_SLOT, next);
            sliceVariable.update(zero, state, 0);
        }
        activeSlot = next;
        flushEveryCpu();
        Map<CpuTimeKey, Long> nanos = new HashMap<>();
        counts[finished].drain((key, value) -> nanos.merge(CpuTimeKey.read(key), value.get(JAVA_LONG, 0), Long::sum));
        long lostNanos = drainCounters(finished);
        RawCpuTimeSlice slice = new RawCpuTimeSlice(sliceStart, end, cutNanos - sliceStartNanos, nanos, lostNanos);
        beginSlice(end, cutNanos);
        return slice;
    }

    /** Charges the task running on each CPU up to now (an offline CPU runs nothing to charge). */
    private void flushEveryCpu() {
        for (int cpu : cpus) {
            try {
                object.runOnCpu(FLUSH_PROGRAM, cpu);
            } catch (BpfException e) {
                if (e.errno() != ENXIO) {
                    throw e;
                }
            }
        }
    }

    /** Reads this slot's lost time, then zeroes its counters for the slot's next use. */
    private long drainCounters(int slot) {
        long lost = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment index = arena.allocate(JAVA_INT);
            MemorySegment values = arena.allocate(counters.userValueBytes(), 8);
            MemorySegment zeros = arena.allocate(counters.userValueBytes(), 8);
            for (int counter = 0; counter < CPUTIME_COUNTER_COUNT; counter++) {
                index.set(JAVA_INT, 0, slot * CPUTIME_COUNTER_COUNT + counter);
                counters.lookup(index, values);
                if (counter == CPUTIME_COUNTER_LOST_NS) {
                    lost = Arrays.stream(values.toArray(JAVA_LONG)).sum();
                }
                counters.update(index, zeros, 0);
            }
        }
        return lost;
    }

    /** Detaches the program and frees its maps. */
    @Override
    public synchronized void close() {
        object.close();
    }
}
