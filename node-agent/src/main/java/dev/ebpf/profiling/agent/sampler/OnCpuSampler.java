package dev.ebpf.profiling.agent.sampler;

import static dev.ebpf.profiling.bpf.BpfContract.COUNTER_COUNT;
import static dev.ebpf.profiling.bpf.BpfContract.COUNTER_FILTERED_OUT;
import static dev.ebpf.profiling.bpf.BpfContract.COUNTER_IDLE;
import static dev.ebpf.profiling.bpf.BpfContract.COUNTER_LOST_KERNEL_STACK;
import static dev.ebpf.profiling.bpf.BpfContract.COUNTER_LOST_MAP_FULL;
import static dev.ebpf.profiling.bpf.BpfContract.COUNTER_LOST_USER_STACK;
import static dev.ebpf.profiling.bpf.BpfContract.COUNTER_SAMPLES;
import static dev.ebpf.profiling.bpf.BpfContract.MAX_STACK_DEPTH;
import static dev.ebpf.profiling.bpf.BpfContract.SLOT_COUNT;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_STACK_ID_BIT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.ebpf.profiling.agent.bpf.BpfMap;
import dev.ebpf.profiling.agent.bpf.BpfObject;
import dev.ebpf.profiling.agent.bpf.PerfEvents;
import dev.ebpf.profiling.agent.bpf.SamplingEvent;
import dev.ebpf.profiling.agent.bpf.StructFields;
import dev.ebpf.profiling.agent.unwind.DwarfUnwinder;
import dev.ebpf.profiling.api.profile.LostSamples;
import dev.ebpf.profiling.bpf.BpfGlobals;
import dev.ebpf.profiling.bpf.BpfStructs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The on-CPU sampler: bpf/profile.bpf.c on one perf event per selected CPU, counting in the kernel.
 *
 * <p>Slicing uses two slots (A/B maps). {@link #cut()} flips the program's {@code active_slot},
 * waits for programs already running to finish, then drains the slot that went quiet. Each sample
 * lands in exactly one slot and each slot is drained exactly once per use, so no sample is lost or
 * counted twice across a cut.
 */
public final class OnCpuSampler implements AutoCloseable {

    private static final String OBJECT = "profile";
    private static final String PROGRAM = "on_cpu_sample";
    /** A BPF program runs for microseconds; this is ample for one that read the old slot to finish. */
    private static final Duration SLOT_QUIESCE = Duration.ofMillis(10);

    private static final long STACK_BYTES = (long) MAX_STACK_DEPTH * Long.BYTES;
    /** struct unwound_stack: the hash, then the pcs. */
    private static final long UNWOUND_STACK_BYTES = BpfStructs.UNWOUND_STACK.byteSize();

    private static final long UNWOUND_PCS = StructFields.offset(
            BpfStructs.UNWOUND_STACK, "pcs", MemoryLayout.sequenceLayout(MAX_STACK_DEPTH, JAVA_LONG));
    /** The DWARF maps' capacity with frame pointers, where the program never touches them. */
    private static final int UNUSED_MAP_ENTRIES = 1;
    // The program's settings, at the offset the build read from profile.bpf.o and its BTF.
    private static final long CONFIG_FILTER_CGROUPS = BpfGlobals.Profile.SAMPLER_CONFIG
            + StructFields.offset(BpfStructs.SAMPLER_CONFIG, "filter_cgroups", JAVA_INT);
    private static final long CONFIG_UNWIND_MODE =
            BpfGlobals.Profile.SAMPLER_CONFIG + StructFields.offset(BpfStructs.SAMPLER_CONFIG, "unwind_mode", JAVA_INT);

    /**
     * @param cpus              CPUs to sample (events are opened only there)
     * @param frequencyHz       samples per second per CPU
     * @param filterCgroups     count only {@code allowedCgroupIds} and their descendants (even when
     *                          that set is empty: then nothing is counted)
     * @param allowedCgroupIds  the cgroups the filter admits
     * @param preferredEvent    {@link SamplingEvent#CPU_CYCLES} to try the PMU first
     * @param countMapEntries   capacity of each slot's count map; 0 keeps the header's default
     * @param unwinding         how user stacks are walked
     */
    public record Settings(
            List<Integer> cpus,
            int frequencyHz,
            boolean filterCgroups,
            Set<Long> allowedCgroupIds,
            SamplingEvent preferredEvent,
            int countMapEntries,
            Unwinding unwinding) {

        public Settings {
            cpus = List.copyOf(cpus);
            allowedCgroupIds = Set.copyOf(allowedCgroupIds);
        }

        /** Frame-pointer unwinding. */
        public Settings(
                List<Integer> cpus,
                int frequencyHz,
                boolean filterCgroups,
                Set<Long> allowedCgroupIds,
                SamplingEvent preferredEvent,
                int countMapEntries) {
            this(
                    cpus,
                    frequencyHz,
                    filterCgroups,
                    allowedCgroupIds,
                    preferredEvent,
                    countMapEntries,
                    Unwinding.FRAME_POINTERS);
        }

        /** The same, walking user stacks as said. */
        public Settings withUnwinding(Unwinding how) {
            return new Settings(
                    cpus, frequencyHz, filterCgroups, allowedCgroupIds, preferredEvent, countMapEntries, how);
        }

        /** Everything on these CPUs when {@code allowedCgroupIds} is empty, else only those cgroups. */
        public static Settings of(List<Integer> cpus, int frequencyHz, Set<Long> allowedCgroupIds) {
            return new Settings(
                    cpus, frequencyHz, !allowedCgroupIds.isEmpty(), allowedCgroupIds, SamplingEvent.CPU_CYCLES, 0);
        }

        /** Only these cgroups, and nothing at all while the set is empty (a job whose pods are not here yet). */
        public static Settings onlyCgroups(List<Integer> cpus, int frequencyHz, Set<Long> allowedCgroupIds) {
            return new Settings(cpus, frequencyHz, true, allowedCgroupIds, SamplingEvent.CPU_CYCLES, 0);
        }
    }

    private Settings settings;
    private final BpfObject object;
    private SamplingEvent event;
    private final BpfMap activeSlotVariable;
    private final BpfMap[] counts = new BpfMap[SLOT_COUNT];
    private final BpfMap[] stacks = new BpfMap[SLOT_COUNT];
    /** Unwound user stacks (DWARF mode), by user stack id. */
    private final BpfMap[] userStacks = new BpfMap[SLOT_COUNT];
    /** Loads the processes' unwind tables in DWARF mode; null with frame pointers. */
    private final DwarfUnwinder unwinder;

    private final BpfMap counters;
    private final AllowedCgroups allowedCgroups;
    private int activeSlot;
    private Instant sliceStart;
    private long sliceStartNanos;

    private OnCpuSampler(Settings settings, BpfObject object, SamplingEvent event) {
        this.settings = settings;
        this.object = object;
        this.event = event;
        this.activeSlotVariable = object.map(".bss").requireSizes(Integer.BYTES, BpfGlobals.Profile.BSS_SIZE);
        for (int slot = 0; slot < SLOT_COUNT; slot++) {
            counts[slot] = object.map("counts_" + slot).requireSizes(SampleKey.LAYOUT.byteSize(), Long.BYTES);
            stacks[slot] = object.map("stacks_" + slot).requireSizes(Integer.BYTES, STACK_BYTES);
            userStacks[slot] = object.map("user_stacks_" + slot).requireSizes(Integer.BYTES, UNWOUND_STACK_BYTES);
        }
        this.unwinder = settings.unwinding() == Unwinding.DWARF
                ? new DwarfUnwinder(
                                Path.of("/proc"),
                                object.map("unwind_rows"),
                                object.map("unwind_mappings"),
                                object.map("unwind_processes"),
                                object.map("unwind_wanted"),
                                object.map("unwind_counters"))
                        .start()
                : null;
        this.counters = object.map("counters").requireSizes(Integer.BYTES, Long.BYTES);
        this.allowedCgroups = new AllowedCgroups(object.map("allowed_cgroups"));
        allowedCgroups.replace(settings.allowedCgroupIds()); // before any program is attached
    }

    /** Loads the program, opens the perf events and starts the first slice. */
    public static OnCpuSampler start(Settings settings) {
        return start(settings, BenchmarkVariant.NONE);
    }

    /** The same, as a benchmark variant of the program (UnwindBenchmark; {@link BenchmarkVariant#NONE}: the real one). */
    public static OnCpuSampler start(Settings settings, BenchmarkVariant variant) {
        if (settings.cpus().isEmpty()) {
            throw new IllegalArgumentException("no CPUs to sample");
        }
        BpfObject object = BpfObject.open(OBJECT);
        try {
            configure(object, settings);
            variant.writeTo(object.sectionBeforeLoad(".rodata", BpfGlobals.Profile.RODATA_SIZE));
            object.load();
            SamplingEvent event;
            try (PerfEvents events =
                    PerfEvents.open(settings.cpus(), settings.frequencyHz(), settings.preferredEvent())) {
                event = events.event();
                OnCpuSampler sampler = new OnCpuSampler(settings, object, event);
                events.attach(object, PROGRAM);
                sampler.beginSlice(Instant.now(), System.nanoTime());
                return sampler;
            }
        } catch (RuntimeException e) {
            object.close();
            throw e;
        }
    }

    private static void configure(BpfObject object, Settings settings) {
        MemorySegment config = object.sectionBeforeLoad(".rodata", BpfGlobals.Profile.RODATA_SIZE);
        config.set(JAVA_INT, CONFIG_FILTER_CGROUPS, settings.filterCgroups() ? 1 : 0);
        config.set(JAVA_INT, CONFIG_UNWIND_MODE, settings.unwinding().kernelMode());
        if (settings.unwinding() != Unwinding.DWARF) {
            // 32 MiB of rows, the mappings and the rule cache are not needed: one entry each. The
            // unwound stacks' maps are: the program walks frame pointers into them too.
            for (String map : List.of("unwind_rows", "unwind_mappings", "unwind_processes", "unwind_rule_cache")) {
                object.setMaxEntries(map, UNUSED_MAP_ENTRIES);
            }
        }
        if (settings.countMapEntries() > 0) {
            for (int slot = 0; slot < SLOT_COUNT; slot++) {
                object.setMaxEntries("counts_" + slot, settings.countMapEntries());
            }
        }
    }

    /**
     * Changes the cgroups the filter admits, for the samples from now on (pods come and go while
     * a cluster job runs). New ids are added before old ones go, so a cgroup in both sets is
     * never dropped in between.
     */
    public synchronized void replaceAllowedCgroups(Set<Long> cgroupIds) {
        if (!settings.filterCgroups()) {
            throw new IllegalStateException("this sampler was started without a cgroup filter");
        }
        allowedCgroups.replace(cgroupIds);
    }

    /**
     * Samples other CPUs and/or at another rate from now on, keeping the loaded program and its
     * maps (counts, stacks, filter): the perf events are closed and opened again, so the samples of
     * a few milliseconds are missed. Cut first, so that a slice has one rate and one CPU set.
     */
    public synchronized void reopen(List<Integer> cpus, int frequencyHz) {
        if (cpus.isEmpty()) {
            throw new IllegalArgumentException("no CPUs to sample");
        }
        object.detachAll();
        try (PerfEvents events = PerfEvents.open(cpus, frequencyHz, settings.preferredEvent())) {
            events.attach(object, PROGRAM);
            event = events.event();
        }
        settings = new Settings(
                cpus,
                frequencyHz,
                settings.filterCgroups(),
                settings.allowedCgroupIds(),
                settings.preferredEvent(),
                settings.countMapEntries(),
                settings.unwinding());
    }

    private void beginSlice(Instant start, long startNanos) {
        this.sliceStart = start;
        this.sliceStartNanos = startNanos;
    }

    /** The event that actually runs: cpu-clock when the machine has no PMU. */
    public SamplingEvent event() {
        return event;
    }

    public Settings settings() {
        return settings;
    }

    /** The sampling program's run count and time (benchmarks; 0 unless kernel.bpf_stats_enabled). */
    public BpfObject.ProgramStats programStats() {
        return object.programStats(PROGRAM);
    }

    /** Ends the current slice, starts the next one empty, and returns what the ended one counted. */
    public synchronized RawSlice cut() {
        int finished = activeSlot;
        int next = (finished + 1) % SLOT_COUNT;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment zero = arena.allocate(JAVA_INT);
            MemorySegment slot = arena.allocate(BpfGlobals.Profile.BSS_SIZE, 8);
            slot.set(JAVA_INT, BpfGlobals.Profile.ACTIVE_SLOT, next);
            activeSlotVariable.update(zero, slot, 0);
        }
        long endNanos = System.nanoTime();
        Instant end = Instant.now();
        activeSlot = next;
        try {
            Thread.sleep(SLOT_QUIESCE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Map<SampleKey, Long> sampleCounts = drainCounts(finished);
        Map<Integer, long[]> stackTraces = readStacks(finished, sampleCounts);
        SliceCounters sliceCounters = drainCounters(finished);
        RawSlice slice = new RawSlice(
                event,
                settings.frequencyHz(),
                settings.cpus(),
                sliceStart,
                end,
                endNanos - sliceStartNanos,
                sampleCounts,
                stackTraces,
                sliceCounters,
                settings.unwinding());
        beginSlice(end, endNanos);
        return slice;
    }

    private Map<SampleKey, Long> drainCounts(int slot) {
        Map<SampleKey, Long> result = new HashMap<>();
        counts[slot].drain((key, value) -> result.merge(SampleKey.read(key), value.get(JAVA_LONG, 0), Long::sum));
        return result;
    }

    /** Copies the stacks the keys use, then empties the slot's stack map for its next use. */
    private Map<Integer, long[]> readStacks(int slot, Map<SampleKey, Long> sampleCounts) {
        Map<Integer, long[]> result = new HashMap<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment id = arena.allocate(JAVA_INT);
            MemorySegment frames = arena.allocate(STACK_BYTES, 8);
            MemorySegment unwound = arena.allocate(UNWOUND_STACK_BYTES, 8);
            for (SampleKey key : sampleCounts.keySet()) {
                for (int stackId : new int[] {key.kernelStackId(), key.userStackId()}) {
                    if (stackId < 0 || result.containsKey(stackId)) {
                        continue;
                    }
                    id.set(JAVA_INT, 0, stackId);
                    if ((stackId & UNWIND_STACK_ID_BIT) != 0) {
                        if (userStacks[slot].lookup(id, unwound)) {
                            result.put(
                                    stackId,
                                    trimmed(unwound.asSlice(UNWOUND_PCS, STACK_BYTES)
                                            .toArray(JAVA_LONG)));
                        }
                    } else if (stacks[slot].lookup(id, frames)) {
                        result.put(stackId, trimmed(frames.toArray(JAVA_LONG)));
                    }
                }
            }
        }
        stacks[slot].clear();
        userStacks[slot].clear();
        return result;
    }

    /** A stack-trace map value is zero-padded after the root frame. */
    private static long[] trimmed(long[] frames) {
        int depth = 0;
        while (depth < frames.length && frames[depth] != 0) {
            depth++;
        }
        return Arrays.copyOf(frames, depth);
    }

    /** Reads this slot's per-CPU counters, then zeroes them for the slot's next use. */
    private SliceCounters drainCounters(int slot) {
        long[][] perCpu = new long[COUNTER_COUNT][];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment index = arena.allocate(JAVA_INT);
            MemorySegment values = arena.allocate(counters.userValueBytes(), 8);
            MemorySegment zeros = arena.allocate(counters.userValueBytes(), 8);
            for (int counter = 0; counter < COUNTER_COUNT; counter++) {
                index.set(JAVA_INT, 0, slot * COUNTER_COUNT + counter);
                counters.lookup(index, values);
                perCpu[counter] = values.toArray(JAVA_LONG);
                counters.update(index, zeros, 0);
            }
        }
        LostSamples lost = new LostSamples(
                sum(perCpu[COUNTER_LOST_MAP_FULL]),
                sum(perCpu[COUNTER_LOST_KERNEL_STACK]),
                sum(perCpu[COUNTER_LOST_USER_STACK]));
        return new SliceCounters(
                perCpu[COUNTER_SAMPLES], sum(perCpu[COUNTER_IDLE]), sum(perCpu[COUNTER_FILTERED_OUT]), lost);
    }

    private static long sum(long[] values) {
        return Arrays.stream(values).sum();
    }

    /** How user stacks are walked. */
    public Unwinding unwinding() {
        return settings.unwinding();
    }

    /** The DWARF unwinder, in DWARF mode. */
    public Optional<DwarfUnwinder> unwinder() {
        return Optional.ofNullable(unwinder);
    }

    /** The DWARF unwinder's figures (tables, processes, kernel counters); empty with frame pointers. */
    public Optional<DwarfUnwinder.Stats> unwinderStats() {
        return Optional.ofNullable(unwinder).map(DwarfUnwinder::stats);
    }

    /** Detaches the program and frees its maps. */
    @Override
    public synchronized void close() {
        try {
            object.detachAll();
            if (unwinder != null) {
                unwinder.close();
            }
        } finally {
            object.close();
        }
    }
}
