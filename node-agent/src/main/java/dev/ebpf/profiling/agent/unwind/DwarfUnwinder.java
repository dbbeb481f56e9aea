package dev.ebpf.profiling.agent.unwind;

import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_COUNTER_COUNT;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_MAX_MAPPINGS;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_PROCESS_ENTRIES;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_ROW_ENTRIES;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.ebpf.profiling.agent.bpf.BpfMap;
import dev.ebpf.profiling.agent.bpf.Libc;
import dev.ebpf.profiling.agent.bpf.StructFields;
import dev.ebpf.profiling.agent.symbolize.FileIdentity;
import dev.ebpf.profiling.agent.symbolize.MemoryMapping;
import dev.ebpf.profiling.agent.symbolize.ProcessMaps;
import dev.ebpf.profiling.bpf.BpfStructs;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The agent's half of DWARF unwinding: keeps the kernel's {@code unwind_processes} filled for the
 * processes being sampled. The program asks for a process (in {@code unwind_wanted}) the first time
 * it samples it without an entry, and again when a pc falls outside every mapping it knows (a
 * library loaded since); until the entry is written its stacks are walked by frame pointers. A
 * reader thread answers every {@link #POLL_MILLIS} ms ({@link #IDLE_POLL_MILLIS} ms once nobody was
 * wanted for a second): it reads {@code /proc/PID/maps}, builds
 * each mapped file's table once (cached by {@link FileIdentity}, see {@link UnwindTables}) and
 * writes the process's mappings, each with its load bias and its file's rows. Entries of processes
 * that exited are deleted on the same round.
 */
public final class DwarfUnwinder implements AutoCloseable {

    /** How often the wanted processes are looked at (a new process walks frame pointers that long). */
    static final int POLL_MILLIS = 20;
    /**
     * How often once nobody was wanted for {@link #IDLE_NANOS}: each look is a wakeup and a system
     * call, about 130 us on a loaded VM, so looking every 20 ms for the whole of a long profile
     * cost 6.6 ms of CPU a second, the agent's largest steady cost. A process that comes after a
     * quiet second walks frame pointers up to this long.
     */
    static final int IDLE_POLL_MILLIS = 100;

    private static final long IDLE_NANOS = 1_000_000_000L;
    /** A process asked for again sooner than this keeps its entry: a JIT or a pc no mapping holds. */
    private static final long RELOAD_NANOS = 200_000_000L;
    /** How often exited processes' entries are removed. */
    private static final long SWEEP_NANOS = 1_000_000_000L;

    /** struct unwind_mapping, generated from the BPF objects: one per element of unwind_mappings. */
    static final StructLayout MAPPING_LAYOUT = BpfStructs.UNWIND_MAPPING;
    /** struct unwind_process, generated from the BPF objects: the value of unwind_processes. */
    static final StructLayout PROCESS_LAYOUT = BpfStructs.UNWIND_PROCESS;

    private static final long MAPPING_BYTES = MAPPING_LAYOUT.byteSize();
    private static final long MAPPING_START = StructFields.offset(MAPPING_LAYOUT, "start", JAVA_LONG);
    private static final long MAPPING_END = StructFields.offset(MAPPING_LAYOUT, "end", JAVA_LONG);
    private static final long MAPPING_BIAS = StructFields.offset(MAPPING_LAYOUT, "bias", JAVA_LONG);
    private static final long MAPPING_ROW_START = StructFields.offset(MAPPING_LAYOUT, "row_start", JAVA_INT);
    private static final long MAPPING_ROW_COUNT = StructFields.offset(MAPPING_LAYOUT, "row_count", JAVA_INT);
    private static final long PROCESS_MAPPING_START = StructFields.offset(PROCESS_LAYOUT, "mapping_start", JAVA_INT);
    private static final long PROCESS_MAPPING_COUNT = StructFields.offset(PROCESS_LAYOUT, "mapping_count", JAVA_INT);
    private static final long PROCESS_LOAD = StructFields.offset(PROCESS_LAYOUT, "load", JAVA_INT);

    /** Figures over the unwinder's life, for logs and the benchmark. */
    public record Stats(
            int processes,
            long processLoads,
            long processesRefused,
            long bytesPerProcess,
            UnwindTables.Stats files,
            long[] kernelCounters) {}

    private final Path proc;
    private final BpfMap processesMap;
    /** unwind_mappings, memory-mapped: a block of UNWIND_MAX_MAPPINGS per process. */
    private final MemorySegment mappings;
    /** The block each loaded process uses. */
    private final Map<Integer, Integer> blocks = new HashMap<>();
    /** The files each loaded process's block uses (one per mapping), released when the block goes. */
    private final Map<Integer, List<FileIdentity>> held = new HashMap<>();

    private final ArrayDeque<Integer> freeBlocks = new ArrayDeque<>();
    /**
     * Blocks no entry points at any more, with when they were let go: reused only after
     * {@link UnwindTables#GRACE_NANOS}, as a program that fetched the old entry may still read them.
     */
    private final ArrayDeque<long[]> retiredBlocks = new ArrayDeque<>();

    private long processesRefused;
    private final BpfMap wantedMap;
    /** Where the idle check puts the key it finds (one poll at a time: {@link #poll} is synchronized). */
    private final MemorySegment anyWanted = Arena.ofAuto().allocate(JAVA_INT);

    private final BpfMap countersMap;
    private final UnwindTables tables;
    private final Map<Integer, Long> loadedAt = new HashMap<>();
    private final Thread reader;
    private volatile boolean closed;
    private long processLoads;
    private long lastSweep;
    /** When a poll last found a process wanted (System.nanoTime). */
    private volatile long lastWanted = System.nanoTime();

    public DwarfUnwinder(Path proc, BpfMap rows, BpfMap mappings, BpfMap processes, BpfMap wanted, BpfMap counters) {
        this.proc = proc;
        this.mappings = mappings.mapShared((long) UNWIND_PROCESS_ENTRIES * UNWIND_MAX_MAPPINGS * MAPPING_BYTES);
        for (int block = 0; block < UNWIND_PROCESS_ENTRIES; block++) {
            freeBlocks.add(block);
        }
        this.processesMap = processes;
        this.wantedMap = wanted;
        this.countersMap = counters;
        this.tables = new UnwindTables(rows.mapShared((long) UNWIND_ROW_ENTRIES * UnwindRowLayout.BYTES));
        this.reader = Thread.ofPlatform().daemon().name("dwarf-unwinder").unstarted(this::run);
    }

    /** Starts answering the program's requests. */
    public DwarfUnwinder start() {
        reader.start();
        return this;
    }

    private void run() {
        while (!closed) {
            try {
                Thread.sleep(System.nanoTime() - lastWanted >= IDLE_NANOS ? IDLE_POLL_MILLIS : POLL_MILLIS);
                poll();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // One unreadable process must not stop unwinding for the agent's life.
                System.getLogger(DwarfUnwinder.class.getName()).log(System.Logger.Level.WARNING, "unwinder: " + e);
            }
        }
    }

    /** Loads every process the program asked for, and drops those that exited. */
    synchronized void poll() {
        long now = System.nanoTime();
        // Most rounds nobody is wanted: one system call says so, with no batch buffers to set up.
        if (wantedMap.nextKey(MemorySegment.NULL, anyWanted)) {
            lastWanted = now;
            loadWanted(now);
        }
        if (now - lastSweep >= SWEEP_NANOS) {
            lastSweep = now;
            sweepExited(now);
        }
    }

    private void loadWanted(long now) {
        List<Integer> wanted = new ArrayList<>();
        wantedMap.readAll((key, value) -> wanted.add(key.get(JAVA_INT, 0)));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(JAVA_INT);
            for (int tgid : wanted) {
                Long at = loadedAt.get(tgid);
                if (at == null || now - at >= RELOAD_NANOS) {
                    load(tgid);
                    loadedAt.put(tgid, now);
                }
                key.set(JAVA_INT, 0, tgid);
                wantedMap.delete(key);
            }
        }
    }

    private void sweepExited(long now) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(JAVA_INT);
            for (var iterator = loadedAt.keySet().iterator(); iterator.hasNext(); ) {
                int tgid = iterator.next();
                if (!Files.exists(proc.resolve(Integer.toString(tgid)))) {
                    key.set(JAVA_INT, 0, tgid);
                    processesMap.delete(key);
                    iterator.remove();
                    retire(tgid, now);
                }
            }
        }
    }

    /**
     * Writes one process's entry: its executable mappings (file-backed ones with their file's rows,
     * anonymous ones, JIT code, with none: frame pointers), at most UNWIND_MAX_MAPPINGS.
     */
    synchronized void load(int tgid) {
        Path directory = proc.resolve(Integer.toString(tgid));
        ProcessMaps maps;
        try {
            maps = ProcessMaps.read(directory.resolve("maps"));
        } catch (NoSuchFileException e) {
            return; // exited
        } catch (IOException | IllegalArgumentException e) {
            maps = null;
        }
        load(tgid, maps == null ? List.of() : maps.mappings());
    }

    /**
     * Writes one process's entry from the given executable mappings (what {@link #load(int)} read
     * in its maps; tests give others). False when no block was free.
     */
    synchronized boolean load(int tgid, List<MemoryMapping> executableMappings) {
        Path directory = proc.resolve(Integer.toString(tgid));
        List<MemoryMapping> mappings = inSearchOrder(executableMappings);
        // A new block, then the entry pointing at it: a sample meanwhile reads the old one whole.
        long now = System.nanoTime();
        while (!retiredBlocks.isEmpty() && now - retiredBlocks.peek()[1] >= UnwindTables.GRACE_NANOS) {
            freeBlocks.add((int) retiredBlocks.poll()[0]);
        }
        Integer block = freeBlocks.poll();
        if (block == null) {
            processesRefused++;
            return false;
        }
        long first = (long) block * UNWIND_MAX_MAPPINGS;
        int count = 0;
        List<FileIdentity> files = new ArrayList<>();
        for (MemoryMapping mapping : mappings) {
            UnwindTables.Loaded file = UnwindTables.Loaded.NONE;
            if (mapping.isFileBacked()) {
                UnwindTables.Lease lease = tables.acquire(mapping.file(), candidates(directory, mapping));
                file = lease.loaded();
                if (lease.file() != null) {
                    files.add(lease.file());
                }
            }
            writeMapping(
                    this.mappings,
                    first + count,
                    mapping.start(),
                    mapping.end(),
                    file.bias(mapping),
                    file.rowStart(),
                    file.rowCount());
            count++;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(JAVA_INT);
            key.set(JAVA_INT, 0, tgid);
            MemorySegment value = arena.allocate(PROCESS_LAYOUT);
            // Numbered from 1, never repeated (2^32 loads before it wraps): the program's rule
            // cache tells this load's rules from an earlier one's by it, even in the same block.
            writeProcess(value, (int) first, count, (int) (processLoads + 1));
            processesMap.update(key, value, 0);
            processLoads++;
        }
        retire(tgid, now); // the old block and files, now that the entry points at the new ones
        blocks.put(tgid, block);
        held.put(tgid, files);
        return true;
    }

    /**
     * The first UNWIND_MAX_MAPPINGS mappings by start address, compared unsigned as the program's
     * binary search does: {@code [vsyscall]} (0xffffffffff600000) is last, not first.
     */
    static List<MemoryMapping> inSearchOrder(List<MemoryMapping> mappings) {
        List<MemoryMapping> sorted = new ArrayList<>(mappings);
        sorted.sort((a, b) -> Long.compareUnsigned(a.start(), b.start()));
        return sorted.size() > UNWIND_MAX_MAPPINGS ? sorted.subList(0, UNWIND_MAX_MAPPINGS) : sorted;
    }

    /** Lets go of a process's block and files once its entry no longer points at them. */
    private void retire(int tgid, long now) {
        Integer block = blocks.remove(tgid);
        if (block != null) {
            retiredBlocks.add(new long[] {block, now});
        }
        List<FileIdentity> files = held.remove(tgid);
        if (files != null) {
            files.forEach(tables::release);
        }
    }

    /** Writes element {@code index} of unwind_mappings (a struct unwind_mapping). */
    public static void writeMapping(
            MemorySegment mappings, long index, long start, long end, long bias, int rowStart, int rowCount) {
        long at = index * MAPPING_BYTES;
        mappings.set(JAVA_LONG, at + MAPPING_START, start);
        mappings.set(JAVA_LONG, at + MAPPING_END, end);
        mappings.set(JAVA_LONG, at + MAPPING_BIAS, bias);
        mappings.set(JAVA_INT, at + MAPPING_ROW_START, rowStart);
        mappings.set(JAVA_INT, at + MAPPING_ROW_COUNT, rowCount);
    }

    /**
     * Writes a value of unwind_processes (a struct unwind_process): the process's block of mappings
     * and the number of this load.
     */
    public static void writeProcess(MemorySegment process, int mappingStart, int mappingCount, int load) {
        process.set(JAVA_INT, PROCESS_MAPPING_START, mappingStart);
        process.set(JAVA_INT, PROCESS_MAPPING_COUNT, mappingCount);
        process.set(JAVA_INT, PROCESS_LOAD, load);
    }

    /** Where a mapped file can be read: as the kernel holds it open, else through the process's root. */
    private static List<Path> candidates(Path directory, MemoryMapping mapping) {
        Path mapped = directory
                .resolve("map_files")
                .resolve(Long.toHexString(mapping.start()) + "-" + Long.toHexString(mapping.end()));
        Path throughRoot = directory.resolve("root").resolve(mapping.filePath().substring(1));
        return List.of(mapped, throughRoot);
    }

    /** The block of unwind_mappings the process's entry points at, or null: for tests of block reuse. */
    synchronized Integer blockOf(int tgid) {
        return blocks.get(tgid);
    }

    /**
     * Whether the process's entry in the kernel holds each of these mappings (same start and end):
     * for tests that measure once its tables cover what it maps now.
     */
    synchronized boolean covers(int tgid, List<MemoryMapping> mappings) {
        Integer block = blocks.get(tgid);
        if (block == null) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(JAVA_INT);
            key.set(JAVA_INT, 0, tgid);
            MemorySegment entry = arena.allocate(PROCESS_LAYOUT);
            if (!processesMap.lookup(key, entry)) {
                return false;
            }
            long first = entry.get(JAVA_INT, PROCESS_MAPPING_START);
            int count = entry.get(JAVA_INT, PROCESS_MAPPING_COUNT);
            for (MemoryMapping mapping : inSearchOrder(mappings)) {
                boolean held = false;
                for (long index = first; index < first + count && !held; index++) {
                    long at = index * MAPPING_BYTES;
                    held = this.mappings.get(JAVA_LONG, at + MAPPING_START) == mapping.start()
                            && this.mappings.get(JAVA_LONG, at + MAPPING_END) == mapping.end();
                }
                if (!held) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Whether the process's entry is in the kernel (it was sampled, and its tables loaded). */
    public synchronized boolean loaded(int tgid) {
        return blocks.containsKey(tgid);
    }

    /** The program's counters (UNWIND_COUNTER_*), summed over CPUs. */
    public long[] kernelCounters() {
        long[] sums = new long[UNWIND_COUNTER_COUNT];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment index = arena.allocate(JAVA_INT);
            MemorySegment values = arena.allocate(countersMap.userValueBytes(), 8);
            for (int counter = 0; counter < UNWIND_COUNTER_COUNT; counter++) {
                index.set(JAVA_INT, 0, counter);
                if (countersMap.lookup(index, values)) {
                    sums[counter] = Arrays.stream(values.toArray(JAVA_LONG)).sum();
                }
            }
        }
        return sums;
    }

    public synchronized Stats stats() {
        return new Stats(
                loadedAt.size(),
                processLoads,
                processesRefused,
                // Its entry, and its block of mappings (allocated whether it uses them all or not).
                processesMap.keySize() + processesMap.valueSize() + UNWIND_MAX_MAPPINGS * MAPPING_BYTES,
                tables.stats(),
                kernelCounters());
    }

    /** The unwind tables built so far (cached per file). */
    public UnwindTables tables() {
        return tables;
    }

    @Override
    public void close() {
        closed = true;
        reader.interrupt();
        try {
            reader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        tables.close();
        Libc.unmap(mappings);
    }
}
