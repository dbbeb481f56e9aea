package dev.ebpf.profiling.agent.sampler;

import static dev.ebpf.profiling.bpf.BpfContract.MAX_STACK_DEPTH;
import static dev.ebpf.profiling.bpf.BpfContract.NO_STACK_ID;
import static dev.ebpf.profiling.bpf.BpfContract.OFFCPU_COUNTER_BLOCKS;
import static dev.ebpf.profiling.bpf.BpfContract.OFFCPU_COUNTER_COUNT;
import static dev.ebpf.profiling.bpf.BpfContract.OFFCPU_COUNTER_FILTERED_OUT;
import static dev.ebpf.profiling.bpf.BpfContract.OFFCPU_COUNTER_LOST_KERNEL_STACK;
import static dev.ebpf.profiling.bpf.BpfContract.OFFCPU_COUNTER_LOST_MAP_FULL;
import static dev.ebpf.profiling.bpf.BpfContract.OFFCPU_COUNTER_LOST_TASK_MAP_FULL;
import static dev.ebpf.profiling.bpf.BpfContract.OFFCPU_COUNTER_LOST_USER_STACK;
import static dev.ebpf.profiling.bpf.BpfContract.OFFCPU_COUNTER_SHORT_BLOCKS;
import static dev.ebpf.profiling.bpf.BpfContract.OFFCPU_CPU_MASK_WORDS;
import static dev.ebpf.profiling.bpf.BpfContract.OFFCPU_STACKS_CARRIED;
import static dev.ebpf.profiling.bpf.BpfContract.SLOT_COUNT;
import static dev.ebpf.profiling.bpf.BpfContract.TASK_COMM_LEN;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.ebpf.profiling.agent.bpf.BpfException;
import dev.ebpf.profiling.agent.bpf.BpfMap;
import dev.ebpf.profiling.agent.bpf.BpfObject;
import dev.ebpf.profiling.agent.bpf.StructFields;
import dev.ebpf.profiling.api.profile.LostSamples;
import dev.ebpf.profiling.bpf.BpfGlobals;
import dev.ebpf.profiling.bpf.BpfStructs;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The off-CPU sampler: bpf/offcpu.bpf.c on the sched_switch tracepoint, measuring in the kernel how
 * long tasks are off the CPU, per process, cgroup, stacks (taken at switch-out), task state and the
 * CPU they went off.
 *
 * <p>Slicing uses two slots (A/B maps) as {@link OnCpuSampler} does: {@link #cut()} flips the
 * program's {@code active_slot}, waits for programs already running to finish, then drains the slot
 * that went quiet. A block is counted by the kernel in the slot active when the task switches back
 * in. A block still going on at a cut would otherwise show up only when it ends, possibly many
 * slices later and longer than any slice, and a task blocked through a whole slice would be
 * missing from it. So at each cut the agent walks the tasks still off the CPU and:
 * <ul>
 *   <li>reports the part of each block up to the cut in the slice that ends (as {@code ongoing}),
 *       when the block is already at least the minimum length, and moves the task's
 *       {@code accounted_ns} to the cut, so the kernel later counts only the rest;</li>
 *   <li>copies the stacks of tasks that went off the CPU in the ending slot, gives them ids of its
 *       own ({@code stack_slot = OFFCPU_STACKS_CARRIED}) and only then empties that slot's stack map.</li>
 * </ul>
 * The agent rewrites a task by taking its entry out (lookup-and-delete, one step) and adding the
 * new one only if none is there (BPF_NOEXIST): if the task switched back in first, the program
 * counted the block itself, splitting it at the cut ({@code cut_ns}) between the two slots, and
 * the agent reports nothing for it; the agent drains the ending slot only after that. (A plain
 * overwrite could replace the entry of a block the task began after coming back, and count the
 * first block's part before the cut twice: seen on a crowded machine, where the agent can be
 * preempted between its read and its write.) A program that copied the task's entry just before
 * the agent took it still counts the block from the old {@code accounted_ns}, the part before the
 * cut with it; it notes so in {@code counted_from}, and the agent, after waiting for programs in
 * flight, drops its own report of that part (seen in CI: 83 ms blocked in a 41 ms slice). What
 * remains inexact: a task that comes back while the agent holds its entry loses the part of its
 * block after the cut; and a block shorter than the minimum at the cut that later grows past it
 * is counted whole in the slice where it ends.
 *
 * <p>Threads that went off the CPU before the program was attached (a sleeper, a reader blocked
 * on a socket or a FIFO, a hung process: what off-CPU profiling is for) are found in /proc right
 * after attaching ({@link BlockedThread}) and put in the task map as if they had left the CPU at
 * the start, with their kernel wait site as the kernel stack and {@link #USER_STACK_BEFORE_START}
 * as the user stack (the kernel never walked it). The program counts them when they come back, and
 * the cuts carry them like any other block.
 */
public final class OffCpuSampler implements AutoCloseable {

    /**
     * The one "instruction pointer" of the user stack of a thread that was blocked before sampling
     * began: no mapping holds it, and symbolization names it as such (Frames#BEFORE_START).
     */
    public static final long USER_STACK_BEFORE_START = -1L;

    private static final String OBJECT = "offcpu";
    private static final String PROGRAM = "off_cpu_switch";
    /** A BPF program runs for microseconds; this is ample for one that read the old slot to finish. */
    private static final Duration SLOT_QUIESCE = Duration.ofMillis(10);

    private static final long STACK_BYTES = (long) MAX_STACK_DEPTH * Long.BYTES;
    /** CPUs the .rodata bitmap can select. */
    public static final int MAX_CPUS = OFFCPU_CPU_MASK_WORDS * Long.SIZE;
    /** Where libbpf finds the tracepoint's id; the agent pod mounts the host's tracefs here. */
    static final Path TRACEFS = Path.of("/sys/kernel/tracing");

    private static final String SCHED_SWITCH_EVENT = "events/sched/sched_switch";
    private static final long MOUNT_TIMEOUT_SECONDS = 10;
    // The program's variables, at the offsets the build read from offcpu.bpf.o and its BTF.
    private static final long SLICE_ACTIVE_SLOT =
            BpfGlobals.Offcpu.SLICE + StructFields.offset(BpfStructs.OFFCPU_SLICE, "active_slot", JAVA_INT);
    private static final long SLICE_CUT_NANOS = BpfGlobals.Offcpu.SLICE
            + StructFields.offset(
                    BpfStructs.OFFCPU_SLICE, "cut_ns", MemoryLayout.sequenceLayout(SLOT_COUNT, JAVA_LONG));
    private static final long CONFIG_MIN_BLOCK_NANOS =
            BpfGlobals.Offcpu.OFFCPU_CONFIG + StructFields.offset(BpfStructs.OFFCPU_CONFIG, "min_block_ns", JAVA_LONG);
    private static final long CONFIG_FILTER_CGROUPS =
            BpfGlobals.Offcpu.OFFCPU_CONFIG + StructFields.offset(BpfStructs.OFFCPU_CONFIG, "filter_cgroups", JAVA_INT);
    private static final long CONFIG_FILTER_CPUS =
            BpfGlobals.Offcpu.OFFCPU_CONFIG + StructFields.offset(BpfStructs.OFFCPU_CONFIG, "filter_cpus", JAVA_INT);
    private static final long CONFIG_CPU_MASK = BpfGlobals.Offcpu.OFFCPU_CONFIG
            + StructFields.offset(
                    BpfStructs.OFFCPU_CONFIG,
                    "cpu_mask",
                    MemoryLayout.sequenceLayout(OFFCPU_CPU_MASK_WORDS, JAVA_LONG));

    /**
     * @param cpus             CPUs whose switch-outs are tracked (the tracepoint fires on all; the program filters)
     * @param filterCgroups    track only {@code allowedCgroupIds} and their descendants (even when that
     *                         set is empty: then nothing is tracked)
     * @param allowedCgroupIds the cgroups the filter admits
     * @param minBlockNanos    blocks shorter than this are dropped in the kernel
     * @param countMapEntries  capacity of each slot's count map; 0 keeps the header's default
     */
    public record Settings(
            List<Integer> cpus,
            boolean filterCgroups,
            Set<Long> allowedCgroupIds,
            long minBlockNanos,
            int countMapEntries) {

        public Settings {
            cpus = List.copyOf(cpus);
            allowedCgroupIds = Set.copyOf(allowedCgroupIds);
            if (cpus.isEmpty()) {
                throw new IllegalArgumentException("no CPUs to watch");
            }
            for (int cpu : cpus) {
                if (cpu < 0 || cpu >= MAX_CPUS) {
                    throw new IllegalArgumentException(
                            "CPU " + cpu + " is outside what the off-CPU filter can select (0-" + (MAX_CPUS - 1) + ")");
                }
            }
            if (minBlockNanos < 0) {
                throw new IllegalArgumentException(
                        "the minimum block cannot be negative, got " + minBlockNanos + " ns");
            }
            if (countMapEntries < 0) {
                throw new IllegalArgumentException("count map entries cannot be negative, got " + countMapEntries);
            }
        }

        /** Everything on these CPUs when {@code allowedCgroupIds} is empty, else only those cgroups. */
        public Settings(List<Integer> cpus, Set<Long> allowedCgroupIds, long minBlockNanos) {
            this(cpus, !allowedCgroupIds.isEmpty(), allowedCgroupIds, minBlockNanos, 0);
        }

        /** Only these cgroups, and nothing at all while the set is empty (a job whose pods are not here yet). */
        public static Settings onlyCgroups(List<Integer> cpus, Set<Long> allowedCgroupIds, long minBlockNanos) {
            return new Settings(cpus, true, allowedCgroupIds, minBlockNanos, 0);
        }
    }

    private final Settings settings;
    private final BpfObject object;
    private final BpfMap sliceVariable;
    private final BpfMap[] counts = new BpfMap[SLOT_COUNT];
    private final BpfMap[] stacks = new BpfMap[SLOT_COUNT];
    private final BpfMap tasks;
    private final BpfMap countedFrom;
    private final BpfMap counters;
    private final AllowedCgroups allowedCgroups;
    private static final int NO_SLOT = -1;
    /** The slot whose stack map {@link #frames} reads from while a cut copies what it needs. */
    private int readThroughSlot = NO_SLOT;
    /** Each slot's stacks as copied at its last cut, for blocks that began there and end later. */
    @SuppressWarnings({"unchecked", "rawtypes"}) // an array of a generic type: no other way to make one
    private final Map<Integer, long[]>[] slotStacksAtCut = new Map[SLOT_COUNT];
    /** Stacks of blocks that went on across a cut, under the agent's own ids. */
    private final StackIds carried = new StackIds();
    /** Carried ids written at the previous cut: tasks may still end with them until this cut's drain. */
    private Set<Integer> carriedAtPreviousCut = Set.of();

    private int activeSlot;
    private Instant sliceStart;
    private long sliceStartNanos;

    private OffCpuSampler(Settings settings, BpfObject object) {
        this.settings = settings;
        this.object = object;
        this.sliceVariable = object.map(".bss").requireSizes(Integer.BYTES, BpfGlobals.Offcpu.BSS_SIZE);
        for (int slot = 0; slot < SLOT_COUNT; slot++) {
            counts[slot] = object.map("counts_" + slot)
                    .requireSizes(KernelOffCpuKey.LAYOUT.byteSize(), KernelOffCpuKey.VALUE_LAYOUT.byteSize());
            stacks[slot] = object.map("stacks_" + slot).requireSizes(Integer.BYTES, STACK_BYTES);
            slotStacksAtCut[slot] = Map.of();
        }
        this.tasks = object.map("tasks").requireSizes(Integer.BYTES, OffCpuTask.LAYOUT.byteSize());
        this.countedFrom = object.map("counted_from").requireSizes(Integer.BYTES, Long.BYTES);
        this.counters = object.map("counters").requireSizes(Integer.BYTES, Long.BYTES);
        this.allowedCgroups = new AllowedCgroups(object.map("allowed_cgroups"));
        allowedCgroups.replace(settings.allowedCgroupIds()); // before the program is attached
    }

    /** Loads the program, attaches it to sched_switch and starts the first slice; blocked threads are not sought. */
    public static OffCpuSampler start(Settings settings) {
        return start(settings, List::of);
    }

    /**
     * Loads the program, attaches it to sched_switch, starts the first slice, and then tracks the
     * threads {@code blockedNow} finds off the CPU (those the settings' CPU and cgroup filters admit).
     */
    public static OffCpuSampler start(Settings settings, Supplier<List<BlockedThread>> blockedNow) {
        requireTracefs(TRACEFS);
        BpfObject object = BpfObject.open(OBJECT);
        try {
            configure(object, settings);
            object.load();
            OffCpuSampler sampler = new OffCpuSampler(settings, object);
            long startNanos = System.nanoTime();
            sampler.beginSlice(Instant.now(), startNanos);
            object.attach(PROGRAM);
            // Only after attaching: a thread that switches out from now on is the program's, and
            // the program's entry wins over ours (BPF_NOEXIST).
            sampler.trackBlockedAtStart(blockedNow.get(), startNanos);
            return sampler;
        } catch (RuntimeException e) {
            object.close();
            throw e;
        }
    }

    /** Puts the threads already off the CPU in the task map, blocked since {@code startNanos}. */
    private synchronized void trackBlockedAtStart(List<BlockedThread> threads, long startNanos) {
        Set<Integer> carriedIds = new HashSet<>();
        long[] unknownUser = {USER_STACK_BEFORE_START};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(JAVA_INT);
            MemorySegment value = arena.allocate(OffCpuTask.LAYOUT);
            for (BlockedThread thread : threads) {
                if (!admits(thread)) {
                    continue;
                }
                int kernelId = carried.idOf(thread.kernelStack());
                int userId = carried.idOf(unknownUser);
                new OffCpuTask(
                                startNanos,
                                startNanos,
                                thread.cgroupId(),
                                thread.prevState(),
                                thread.tgid(),
                                kernelId,
                                userId,
                                OFFCPU_STACKS_CARRIED,
                                comm(thread.comm()),
                                thread.lastCpu())
                        .write(value);
                key.set(JAVA_INT, 0, thread.tid());
                if (tasks.insert(key, value)) {
                    carriedIds.add(kernelId);
                    carriedIds.add(userId);
                }
            }
        }
        carriedIds.remove(NO_STACK_ID);
        carriedAtPreviousCut = carriedIds;
        carried.retainOnly(carriedIds);
    }

    /** The program's filters, applied to a thread found in /proc. */
    private boolean admits(BlockedThread thread) {
        if (!settings.cpus().contains(thread.lastCpu())) {
            return false;
        }
        if (!settings.filterCgroups()) {
            return true;
        }
        return thread.cgroupAncestry().stream().anyMatch(settings.allowedCgroupIds()::contains);
    }

    private static byte[] comm(String name) {
        byte[] comm = new byte[TASK_COMM_LEN];
        byte[] bytes = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        System.arraycopy(bytes, 0, comm, 0, Math.min(bytes.length, TASK_COMM_LEN - 1));
        return comm;
    }

    /**
     * libbpf attaches a tracepoint by its id under tracefs. A host may not have tracefs mounted
     * (these machines do not); root can mount it, and nothing else changes by doing so.
     */
    static void requireTracefs(Path tracefs) {
        if (Files.isDirectory(tracefs.resolve(SCHED_SWITCH_EVENT))) {
            return;
        }
        String mount = "mount -t tracefs nodev " + tracefs;
        try {
            Process process = new ProcessBuilder("mount", "-t", "tracefs", "nodev", tracefs.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!process.waitFor(MOUNT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException e) {
            // No mount binary: the check below says what to do.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!Files.isDirectory(tracefs.resolve(SCHED_SWITCH_EVENT))) {
            throw new BpfException(
                    "the sched_switch tracepoint is not visible at " + tracefs.resolve(SCHED_SWITCH_EVENT)
                            + ": tracefs is not mounted and mounting it failed (as root: " + mount + ")");
        }
    }

    private static void configure(BpfObject object, Settings settings) {
        MemorySegment config = object.sectionBeforeLoad(".rodata", BpfGlobals.Offcpu.RODATA_SIZE);
        config.set(JAVA_LONG, CONFIG_MIN_BLOCK_NANOS, settings.minBlockNanos());
        config.set(JAVA_INT, CONFIG_FILTER_CGROUPS, settings.filterCgroups() ? 1 : 0);
        config.set(JAVA_INT, CONFIG_FILTER_CPUS, 1);
        long[] mask = new long[OFFCPU_CPU_MASK_WORDS];
        for (int cpu : settings.cpus()) {
            mask[cpu / Long.SIZE] |= 1L << (cpu % Long.SIZE);
        }
        MemorySegment.copy(mask, 0, config, JAVA_LONG, CONFIG_CPU_MASK, mask.length);
        if (settings.countMapEntries() > 0) {
            for (int slot = 0; slot < SLOT_COUNT; slot++) {
                object.setMaxEntries("counts_" + slot, settings.countMapEntries());
            }
        }
    }

    private void beginSlice(Instant start, long startNanos) {
        this.sliceStart = start;
        this.sliceStartNanos = startNanos;
    }

    public Settings settings() {
        return settings;
    }

    /** The task map (thread id to the block it is in), for tests that look at or stage a block. */
    BpfMap taskMap() {
        return tasks;
    }

    /** Where the program notes the accounted_ns each thread's last block was counted from, for tests. */
    BpfMap countedFromMap() {
        return countedFrom;
    }

    /**
     * Changes the cgroups the filter admits, for switch-outs from now on (pods come and go while a
     * cluster job runs). Tasks already off the CPU are counted when they come back either way.
     */
    public synchronized void replaceAllowedCgroups(Set<Long> cgroupIds) {
        if (!settings.filterCgroups()) {
            throw new IllegalStateException("this sampler was started without a cgroup filter");
        }
        allowedCgroups.replace(cgroupIds);
    }

    /** Ends the current slice, starts the next one, and returns what the ended one counted. */
    public synchronized RawOffCpuSlice cut() {
        int finished = activeSlot;
        int next = (finished + 1) % SLOT_COUNT;
        // The clock is read before the flip: every task tagged with the new slot left the CPU after it.
        long cutNanos = System.nanoTime();
        Instant end = Instant.now();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment zero = arena.allocate(JAVA_INT);
            MemorySegment state = arena.allocate(BpfGlobals.Offcpu.BSS_SIZE, 8);
            // Two writes, the new slot's cut time first: a program that sees the new slot also sees
            // its cut time, and one that still sees the old slot reads the old slot's.
            state.set(JAVA_INT, SLICE_ACTIVE_SLOT, finished);
            state.set(JAVA_LONG, SLICE_CUT_NANOS + (long) finished * Long.BYTES, sliceStartNanos);
            state.set(JAVA_LONG, SLICE_CUT_NANOS + (long) next * Long.BYTES, cutNanos);
            sliceVariable.update(zero, state, 0);
            state.set(JAVA_INT, SLICE_ACTIVE_SLOT, next);
            sliceVariable.update(zero, state, 0);
        }
        activeSlot = next;
        quiesce();
        // No program writes the finished slot's stack map any more: read from it what is used.
        slotStacksAtCut[finished] = new HashMap<>();
        readThroughSlot = finished;
        StackIds sliceStacks = new StackIds();
        Map<OffCpuKey, BlockedTime> blocked = new HashMap<>();
        List<CarriedBlock> carriedBlocks = new ArrayList<>();
        Set<Integer> carriedNow = carryOngoingBlocks(finished, cutNanos, sliceStacks, carriedBlocks);
        // A program that found a task before it was carried may still be adding its part before the cut.
        quiesce();
        reportCarriedBlocks(carriedBlocks, blocked);
        long[] unresolved = new long[2];
        counts[finished].drain((key, value) -> {
            KernelOffCpuKey kernelKey = KernelOffCpuKey.read(key);
            long[] kernelFrames = frames(kernelKey.kernelStackId(), kernelKey.stackSlot());
            long[] userFrames = frames(kernelKey.userStackId(), kernelKey.stackSlot());
            unresolved[0] += kernelKey.kernelStackId() != NO_STACK_ID && kernelFrames == null ? 1 : 0;
            unresolved[1] += kernelKey.userStackId() != NO_STACK_ID && userFrames == null ? 1 : 0;
            OffCpuKey sliceKey = new OffCpuKey(
                    kernelKey.tgid(),
                    kernelKey.cgroupId(),
                    sliceStacks.idOf(kernelFrames),
                    sliceStacks.idOf(userFrames),
                    kernelKey.comm(),
                    kernelKey.prevState(),
                    kernelKey.cpu());
            blocked.merge(sliceKey, KernelOffCpuKey.readValue(value), BlockedTime::plus);
        });
        // Later keys can use only the stacks copied by now (a block split at this cut has its
        // part before the cut among the keys just drained), so the slot's map can be emptied.
        readThroughSlot = NO_SLOT;
        stacks[finished].clear();
        // Drained keys could still use the previous cut's carried ids; later ones only this cut's.
        Set<Integer> live = new HashSet<>(carriedNow);
        live.addAll(carriedAtPreviousCut);
        carried.retainOnly(live);
        carriedAtPreviousCut = carriedNow;
        OffCpuCounters sliceCounters = drainCounters(finished, unresolved);
        RawOffCpuSlice slice = new RawOffCpuSlice(
                sliceStart,
                end,
                cutNanos - sliceStartNanos,
                Map.copyOf(blocked),
                Map.copyOf(sliceStacks.stacks()),
                sliceCounters);
        beginSlice(end, cutNanos);
        return slice;
    }

    private static void quiesce() {
        try {
            Thread.sleep(SLOT_QUIESCE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Reports the part up to the cut of every block still going on, and rewrites each such task so
     * the kernel counts only the rest, with stacks the agent now holds. Adds to {@code reports} the
     * parts before the cut, to be reported once the programs in flight are done, and returns the
     * carried ids used.
     */
    private Set<Integer> carryOngoingBlocks(
            int finished, long cutNanos, StackIds sliceStacks, List<CarriedBlock> reports) {
        List<Integer> offCpu = new ArrayList<>();
        tasks.readAll((key, value) -> offCpu.add(key.get(JAVA_INT, 0)));
        Set<Integer> carriedIds = new HashSet<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(JAVA_INT);
            MemorySegment value = arena.allocate(OffCpuTask.LAYOUT);
            for (int pid : offCpu) {
                key.set(JAVA_INT, 0, pid);
                // Read again right before rewriting: the walk took a while, and a task that came
                // back and left again since must not be overwritten with its old block.
                if (!tasks.lookup(key, value)) {
                    continue;
                }
                OffCpuTask task = OffCpuTask.read(value);
                if (task.stackSlot() != finished && task.stackSlot() != OFFCPU_STACKS_CARRIED) {
                    continue; // left the CPU in the new slice: nothing before the cut, stacks stay valid
                }
                long[] kernelFrames = frames(task.kernelStackId(), task.stackSlot());
                long[] userFrames = frames(task.userStackId(), task.stackSlot());
                boolean longEnough =
                        cutNanos - task.startNanos() >= settings.minBlockNanos() && task.startNanos() < cutNanos;
                long reported = longEnough ? Math.max(0, cutNanos - task.accountedNanos()) : 0;
                int kernelId = carried.idOf(kernelFrames);
                int userId = carried.idOf(userFrames);
                long accountedUpTo = longEnough ? Math.max(cutNanos, task.accountedNanos()) : task.accountedNanos();
                boolean unchanged = task.stackSlot() == OFFCPU_STACKS_CARRIED && accountedUpTo == task.accountedNanos();
                if (!unchanged) {
                    if (!takeIfStill(key, value, task.startNanos(), task.accountedNanos())) {
                        // It came back meanwhile (the kernel counted the whole block), or came back
                        // and left again (the new block is the kernel's to count).
                        continue;
                    }
                    task.carried(accountedUpTo, kernelId, userId).write(value);
                    // Fails only if the task came back and left again while its entry was out:
                    // the new block wins; the part before the cut is still this slice's to report.
                    tasks.insert(key, value);
                }
                carriedIds.add(kernelId);
                carriedIds.add(userId);
                if (reported > 0) {
                    OffCpuKey sliceKey = new OffCpuKey(
                            task.tgid(),
                            task.cgroupId(),
                            sliceStacks.idOf(kernelFrames),
                            sliceStacks.idOf(userFrames),
                            SampleKey.comm(MemorySegment.ofArray(task.comm())),
                            task.prevState(),
                            task.cpu());
                    reports.add(new CarriedBlock(
                            pid, task.startNanos(), task.accountedNanos(), accountedUpTo, sliceKey, reported));
                }
            }
        }
        carriedIds.remove(NO_STACK_ID);
        return carriedIds;
    }

    /**
     * A block the agent carried at a cut: the part from {@code fromNanos} up to the cut, to report
     * unless the kernel counted it after all; the task's entry was rewritten to {@code carriedUpTo}.
     */
    private record CarriedBlock(
            int pid, long startNanos, long fromNanos, long carriedUpTo, OffCpuKey key, long nanos) {}

    /**
     * Reports the carried parts before the cut, but for blocks the kernel counted from the same
     * accounted_ns: their program copied the task's entry before the agent took it, so it counted
     * the part before the cut itself (counted_from says so). Such a block has ended, so the entry
     * the agent put back for it, if still there, is removed: it would carry a running task.
     */
    private void reportCarriedBlocks(List<CarriedBlock> carriedBlocks, Map<OffCpuKey, BlockedTime> blocked) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(JAVA_INT);
            MemorySegment from = arena.allocate(JAVA_LONG);
            MemorySegment value = arena.allocate(OffCpuTask.LAYOUT);
            for (CarriedBlock block : carriedBlocks) {
                key.set(JAVA_INT, 0, block.pid());
                if (!countedFrom.lookup(key, from) || from.get(JAVA_LONG, 0) != block.fromNanos()) {
                    blocked.merge(block.key(), new BlockedTime(block.nanos(), 0, 1), BlockedTime::plus);
                    continue;
                }
                takeIfStill(key, value, block.startNanos(), block.carriedUpTo());
            }
        }
    }

    /**
     * Takes a task's entry out if it still holds the block the agent knows (the same start and
     * accounted_ns); an entry of a newer block, the kernel's, is put back as it was. True when taken.
     */
    private boolean takeIfStill(MemorySegment key, MemorySegment value, long startNanos, long accountedNanos) {
        if (!tasks.take(key, value)) {
            return false;
        }
        OffCpuTask taken = OffCpuTask.read(value);
        if (taken.startNanos() == startNanos && taken.accountedNanos() == accountedNanos) {
            return true;
        }
        tasks.insert(key, value);
        return false;
    }

    /** The frames of a kernel-side stack id, wherever they are now; null for no (or a lost) stack. */
    private long[] frames(int stackId, int stackSlot) {
        if (stackId == NO_STACK_ID) {
            return null;
        }
        if (stackSlot == OFFCPU_STACKS_CARRIED) {
            return carried.frames(stackId);
        }
        Map<Integer, long[]> copied = slotStacksAtCut[stackSlot];
        if (stackSlot == readThroughSlot && !copied.containsKey(stackId)) {
            copied.put(stackId, readStack(stacks[stackSlot], stackId));
        }
        return copied.get(stackId);
    }

    /** One stack of a stack map, or null when the id holds none. */
    private static long[] readStack(BpfMap stackMap, int stackId) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment id = arena.allocate(JAVA_INT);
            MemorySegment frames = arena.allocate(STACK_BYTES, 8);
            id.set(JAVA_INT, 0, stackId);
            return stackMap.lookup(id, frames) ? trimmed(frames.toArray(JAVA_LONG)) : null;
        }
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
    private OffCpuCounters drainCounters(int slot, long[] unresolvedStacks) {
        long[] totals = new long[OFFCPU_COUNTER_COUNT];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment index = arena.allocate(JAVA_INT);
            MemorySegment values = arena.allocate(counters.userValueBytes(), 8);
            MemorySegment zeros = arena.allocate(counters.userValueBytes(), 8);
            for (int counter = 0; counter < OFFCPU_COUNTER_COUNT; counter++) {
                index.set(JAVA_INT, 0, slot * OFFCPU_COUNTER_COUNT + counter);
                counters.lookup(index, values);
                totals[counter] = Arrays.stream(values.toArray(JAVA_LONG)).sum();
                counters.update(index, zeros, 0);
            }
        }
        LostSamples lost = new LostSamples(
                totals[OFFCPU_COUNTER_LOST_MAP_FULL],
                totals[OFFCPU_COUNTER_LOST_KERNEL_STACK] + unresolvedStacks[0],
                totals[OFFCPU_COUNTER_LOST_USER_STACK] + unresolvedStacks[1]);
        return new OffCpuCounters(
                totals[OFFCPU_COUNTER_BLOCKS],
                totals[OFFCPU_COUNTER_SHORT_BLOCKS],
                totals[OFFCPU_COUNTER_FILTERED_OUT],
                totals[OFFCPU_COUNTER_LOST_TASK_MAP_FULL],
                lost);
    }

    /** Detaches the program and frees its maps. */
    @Override
    public synchronized void close() {
        object.close();
    }
}
