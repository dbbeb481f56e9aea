package dev.ebpf.profiling.agent.symbolize;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.ebpf.profiling.agent.bpf.BpfException;
import dev.ebpf.profiling.agent.bpf.Errno;
import dev.ebpf.profiling.agent.bpf.Libc;
import dev.ebpf.profiling.agent.bpf.TaskRecordRings;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Each process's executable mappings as the kernel reports them when they appear (see
 * {@link TaskRecordRings}: mmap2, comm, fork and exit records), kept in user space so that a
 * process that exits inside a slice still has its frames named when the slice is symbolized.
 * When a mapping of a file appears, the file is held open at once (not read: its symbols are read
 * when a sample lands in it), while the process is alive to reach the file through
 * ({@code /proc/PID/map_files}, its root); a file already held or cached costs a lookup. Processes running at start are read from
 * {@code /proc/PID/maps}.
 *
 * <p>An exited process is kept until the slice after the one during which it exited has been
 * symbolized (two {@linkplain #sliceSymbolized() slice ends}: a process exiting between the
 * samplers' cut and the snapshot has samples in the next slice), and at most
 * {@link #MAX_EXITED} of them, the oldest evicted first. A process with anonymous executable
 * memory (a JIT) gets its {@code /tmp} held open (at most {@link #MAX_JIT_DIRECTORIES} of them), so
 * its {@code perf-PID.map} is read when it exits, after its root is gone.
 *
 * <p>One reader thread drains the rings as they wake it; {@link #catchUp()} drains on the
 * caller's thread (the slice-end snapshot does, so it sees every record written before it).
 */
public final class MappingTracker implements AutoCloseable {

    /** Exited processes kept at most (about 1 KB each: their mappings and name); the oldest go first. */
    public static final int MAX_EXITED = 8192;
    /** JIT processes whose /tmp is held open for their perf map at exit; beyond, the map is not read at exit. */
    static final int MAX_JIT_DIRECTORIES = 1024;
    /**
     * Data pages of each CPU's ring, largest first: 128 (512 KiB, with its header page the
     * kernel's default perf_event_mlock_kb per CPU) holds several seconds of records at 1,500 a
     * second, so a reader held up by a busy machine loses none; smaller when other perf users
     * took part of the locked-memory allowance.
     */
    static final List<Integer> RING_PAGES = List.of(128, 32, 8);
    /** How long the reader waits for a wakeup before looking again (and checking it should stop). */
    private static final int POLL_MILLIS = 100;
    /**
     * How long the reader lets records gather once woken: a process starting writes a dozen
     * records (exec, its mappings), and a busy node thousands a second; drained one wakeup each,
     * they cost the agent most of its CPU. A process that lives shorter than this has its files
     * held through its parent's root or the host's instead of its own.
     */
    private static final int GATHER_MILLIS = 10;
    /**
     * Read every N ms instead of being woken by each record (0, the default: woken at once, so a
     * file is opened while a short process still runs). For the benchmark that compares the two.
     */
    static final String PERIODIC_POLL_PROPERTY = "profiler.mappings.pollMillis";

    private static final int PERIODIC_POLL_MILLIS = Integer.getInteger(PERIODIC_POLL_PROPERTY, 0);

    private static final int PROT_EXEC = 0x4;
    private static final String ANONYMOUS = "//anon";
    private static final String HOST_PID = "1";

    /** Holds a file a process mapped, as reachable from that process, to read later; see {@link Symbolizer}. */
    interface FileLoader {
        void load(int tgid, int parent, MemoryMapping mapping);
    }

    /** What the tracker knows of one process (its mappings sorted by start). */
    static final class Tracked {
        final int tgid;
        int parent;
        String comm;
        /** The path of its executable as it sees it; null until its first file mapping after exec. */
        String executable;

        TreeMap<Long, MemoryMapping> mappings = new TreeMap<>();
        /** CLOCK_MONOTONIC time its table was set as a whole (scan, fork, exec); older records do not apply. */
        long since;
        /**
         * Records lost on the rings when its table was set as a whole, or -1 when it never was (first
         * seen by a later record, or forked from an unknown parent): its table is complete while no
         * record is lost after that.
         */
        long lostBefore = -1;

        boolean exited;
        long exitGeneration;
        PerfMap perfMap = PerfMap.NONE;
        int tmpDirectory = -1;
        int namespacePid;
        boolean jitSeen;
        /** Its mappings (some of them) were read from /proc at start, not seen mapped: its files may not be held. */
        boolean scanned;

        Tracked(int tgid) {
            this.tgid = tgid;
        }

        ProcessMaps maps() {
            return ProcessMaps.of(List.copyOf(mappings.values()));
        }
    }

    /** What the snapshot needs of a tracked process. */
    record Image(
            ProcessMaps maps,
            String executable,
            String comm,
            PerfMap perfMap,
            boolean exited,
            int parent,
            boolean mappingsComplete) {}

    /** Figures over the tracker's life, for benchmarks and logs. */
    public record Stats(
            long records,
            long executableMappings,
            long forks,
            long exits,
            long execs,
            long lostRecords,
            int liveProcesses,
            int exitedProcesses,
            long perfMapsReadAtExit) {}

    private sealed interface Event {
        long time();
    }

    private record MmapEvent(int pid, MemoryMapping mapping, long time) implements Event {}

    private record CommEvent(int pid, int tid, String comm, boolean exec, long time) implements Event {}

    private record ForkEvent(int pid, int ppid, int tid, long time) implements Event {}

    private record ExitEvent(int pid, int tid, long time) implements Event {}

    private record PendingLoad(int tgid, int parent, MemoryMapping mapping) {}

    private final Path proc;
    private final FileLoader loader;
    private final TaskRecordRings rings;
    private final String unavailableReason;
    private final Object lock = new Object();
    private final Map<Integer, Tracked> processes = new HashMap<>();
    private final ArrayDeque<Tracked> exited = new ArrayDeque<>();
    private final List<Event> batch = new ArrayList<>();
    /** Files mapped in this batch, loaded once the lock is released. */
    private final List<PendingLoad> pendingLoads = new ArrayList<>();

    private final Map<String, String> paths = new HashMap<>();
    private final Thread reader;
    private volatile boolean closed;
    private volatile Runnable onClose = () -> {};
    private long generation;
    private int jitDirectories;
    private long records;
    private long executableMappings;
    private long forks;
    private long exits;
    private long execs;
    private long perfMapsReadAtExit;

    private MappingTracker(Path proc, FileLoader loader, TaskRecordRings rings, String unavailableReason) {
        this.proc = proc;
        this.loader = loader;
        this.rings = rings;
        this.unavailableReason = unavailableReason;
        this.reader = rings == null
                ? null
                : Thread.ofPlatform().daemon().name("mapping-tracker").unstarted(this::read);
    }

    /**
     * Opens the kernel's records on these CPUs, reads the processes already running, and starts the
     * reader. Where the kernel refuses the records, the tracker does nothing and says why in
     * {@link #unavailableReason()}: exited processes then print {@code [exited]} as before.
     */
    static MappingTracker start(Path proc, List<Integer> cpus, FileLoader loader) {
        TaskRecordRings rings = null;
        try {
            // Opened before the scan, so a process started during it is in one or the other.
            for (int i = 0; rings == null; i++) {
                try {
                    rings = TaskRecordRings.open(
                            cpus, RING_PAGES.get(i), PERIODIC_POLL_MILLIS > 0 ? Integer.MAX_VALUE : 1);
                } catch (BpfException e) {
                    // EPERM from mmap: over the locked-memory allowance; try a smaller ring.
                    if (e.errno() != Errno.EPERM || i == RING_PAGES.size() - 1) {
                        throw e;
                    }
                }
            }
        } catch (BpfException e) {
            return new MappingTracker(
                    proc,
                    loader,
                    null,
                    "mappings are not tracked (the kernel refused a dummy perf event for mmap records: "
                            + e.getMessage()
                            + "), so processes that exit before their slice ends print [exited] frames"
                            + " (needs CAP_PERFMON or root, or kernel.perf_event_paranoid <= 0)");
        }
        MappingTracker tracker = new MappingTracker(proc, loader, rings, null);
        tracker.scanRunning();
        tracker.reader.start();
        return tracker;
    }

    /** Why mappings are not tracked here (one line for a warning), or empty when they are. */
    public Optional<String> unavailableReason() {
        return Optional.ofNullable(unavailableReason);
    }

    private void read() {
        while (!closed) {
            try {
                if (PERIODIC_POLL_MILLIS > 0) {
                    Thread.sleep(PERIODIC_POLL_MILLIS);
                } else if (rings.await(POLL_MILLIS)) {
                    Thread.sleep(GATHER_MILLIS);
                }
                catchUp();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // One bad record or failed read must not stop tracking for the agent's life.
                System.getLogger(MappingTracker.class.getName())
                        .log(System.Logger.Level.WARNING, "mapping tracker: " + e);
            }
        }
    }

    /** Applies every record the kernel has written so far. */
    void catchUp() {
        if (rings == null) {
            return;
        }
        List<PendingLoad> loads;
        synchronized (lock) {
            if (closed) {
                return;
            }
            try {
                records += rings.drain(this::parse);
                // Rings are read one CPU after the other: put the records back in the order they happened.
                batch.sort(Comparator.comparingLong(Event::time));
                for (Event event : batch) {
                    apply(event);
                }
                loads = List.copyOf(pendingLoads);
            } finally {
                batch.clear(); // a record that failed to apply is not applied again
                pendingLoads.clear();
            }
        }
        // Opening new files takes system calls: the snapshot and image lookups need not wait.
        for (PendingLoad load : loads) {
            loader.load(load.tgid(), load.parent(), load.mapping());
        }
    }

    private void parse(int type, int misc, MemorySegment record) {
        int size = (int) record.byteSize();
        long time = size >= TaskRecordRings.HEADER_BYTES + TaskRecordRings.SAMPLE_ID_BYTES
                ? record.get(JAVA_LONG, size - 8)
                : 0;
        int pid = record.get(JAVA_INT, 8);
        switch (type) {
            case TaskRecordRings.PERF_RECORD_MMAP2 -> {
                int prot = record.get(JAVA_INT, 64);
                if ((prot & PROT_EXEC) == 0) {
                    return;
                }
                long start = record.get(JAVA_LONG, 16);
                long length = record.get(JAVA_LONG, 24);
                long offset = record.get(JAVA_LONG, 32);
                int major = record.get(JAVA_INT, 40);
                int minor = record.get(JAVA_INT, 44);
                long inode = record.get(JAVA_LONG, 48);
                String path = string(record, 72, size - 72 - TaskRecordRings.SAMPLE_ID_BYTES);
                if (path.equals(ANONYMOUS)) {
                    path = "";
                }
                MemoryMapping mapping = new MemoryMapping(
                        start, start + length, true, offset, new FileIdentity(device(major, minor), inode), path);
                batch.add(new MmapEvent(pid, mapping, time));
            }
            case TaskRecordRings.PERF_RECORD_COMM -> {
                int tid = record.get(JAVA_INT, 12);
                String comm = string(record, 16, size - 16 - TaskRecordRings.SAMPLE_ID_BYTES);
                boolean exec = (misc & TaskRecordRings.PERF_RECORD_MISC_COMM_EXEC) != 0;
                batch.add(new CommEvent(pid, tid, comm, exec, time));
            }
            case TaskRecordRings.PERF_RECORD_FORK ->
                batch.add(new ForkEvent(
                        pid, record.get(JAVA_INT, 12), record.get(JAVA_INT, 16), record.get(JAVA_LONG, 24)));
            case TaskRecordRings.PERF_RECORD_EXIT ->
                batch.add(new ExitEvent(pid, record.get(JAVA_INT, 16), record.get(JAVA_LONG, 24)));
            default -> {
                // PERF_RECORD_LOST is counted by the rings; nothing else is asked for.
            }
        }
    }

    /** A NUL-terminated string in a record, interned so a thousand processes share their paths. */
    private String string(MemorySegment record, long offset, long maxBytes) {
        int length = 0;
        while (length < maxBytes && record.get(java.lang.foreign.ValueLayout.JAVA_BYTE, offset + length) != 0) {
            length++;
        }
        byte[] bytes = new byte[length];
        MemorySegment.copy(record, java.lang.foreign.ValueLayout.JAVA_BYTE, offset, bytes, 0, length);
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (paths.size() > 65_536) {
            paths.clear();
        }
        return paths.computeIfAbsent(text, key -> key);
    }

    /** maj:min as /proc/PID/maps prints them (%02x:%02x), so both sources give one identity. */
    static String device(int major, int minor) {
        return hex2(major) + ":" + hex2(minor);
    }

    private static String hex2(int value) {
        String hex = Integer.toHexString(value);
        return hex.length() < 2 ? "0" + hex : hex;
    }

    private void apply(Event event) {
        switch (event) {
            case MmapEvent mmap -> mapped(mmap);
            case CommEvent comm -> renamed(comm);
            case ForkEvent fork -> forked(fork);
            case ExitEvent exit -> exited(exit);
        }
    }

    private void mapped(MmapEvent event) {
        executableMappings++;
        Tracked process = processes.get(event.pid());
        if (process == null) {
            process = new Tracked(event.pid());
            processes.put(event.pid(), process);
        } else if (event.time() < process.since || process.exited) {
            return;
        }
        MemoryMapping mapping = event.mapping();
        replace(process.mappings, mapping);
        if (process.executable == null && mapping.isFileBacked()) {
            // After exec the kernel maps the program before its interpreter (ld.so).
            process.executable = mapping.filePath();
        }
        if (mapping.isAnonymous() && !process.jitSeen) {
            process.jitSeen = true;
            holdTmpDirectory(process);
        }
        if (mapping.isFileBacked()) {
            pendingLoads.add(new PendingLoad(process.tgid, process.parent, mapping));
        }
    }

    /** Puts a mapping in, cutting away whatever it replaced (mmap over an old range replaces it). */
    static void replace(NavigableMap<Long, MemoryMapping> mappings, MemoryMapping mapping) {
        long start = mapping.start();
        long end = mapping.end();
        Map.Entry<Long, MemoryMapping> before = mappings.lowerEntry(start);
        if (before != null && before.getValue().end() > start) {
            MemoryMapping old = before.getValue();
            mappings.put(old.start(), withRange(old, old.start(), start));
            if (old.end() > end) {
                mappings.put(end, withRange(old, end, old.end()));
            }
        }
        for (var iterator = mappings.subMap(start, true, end, false).entrySet().iterator(); iterator.hasNext(); ) {
            MemoryMapping old = iterator.next().getValue();
            iterator.remove();
            if (old.end() > end) {
                mappings.put(end, withRange(old, end, old.end()));
                break;
            }
        }
        mappings.put(start, mapping);
    }

    private static MemoryMapping withRange(MemoryMapping mapping, long start, long end) {
        return new MemoryMapping(
                start,
                end,
                mapping.executable(),
                mapping.fileOffset() + (start - mapping.start()),
                mapping.file(),
                mapping.path());
    }

    private void renamed(CommEvent event) {
        Tracked process = processes.get(event.pid());
        if (process == null) {
            process = new Tracked(event.pid());
            processes.put(event.pid(), process);
        }
        if (event.exec()) {
            execs++;
            if (event.time() < process.since) {
                return;
            }
            // A new program: nothing of the old one stays mapped.
            process.mappings = new TreeMap<>();
            process.scanned = false;
            process.executable = null;
            process.since = event.time();
            process.lostBefore = lostRecords();
            process.perfMap = PerfMap.NONE;
            process.jitSeen = false;
            releaseTmpDirectory(process);
        }
        // The process is named by its main thread (as /proc/PID/comm), not by its other threads.
        if (event.tid() == event.pid() || event.exec()) {
            process.comm = event.comm();
        }
    }

    private void forked(ForkEvent event) {
        if (event.pid() == event.ppid()) {
            return; // a new thread
        }
        forks++;
        Tracked existing = processes.get(event.pid());
        if (existing != null && !existing.exited && existing.since > event.time()) {
            return; // the scan read it after the fork
        }
        Tracked parent = processes.get(event.ppid());
        Tracked child = new Tracked(event.pid());
        child.parent = event.ppid();
        child.since = event.time();
        child.lostBefore = parent == null ? -1 : parent.lostBefore;
        if (parent != null) {
            // A fork's child runs its parent's code until it calls exec.
            child.mappings = new TreeMap<>(parent.mappings);
            child.comm = parent.comm;
            child.executable = parent.executable;
            child.scanned = parent.scanned;
        }
        processes.put(event.pid(), child);
    }

    private void exited(ExitEvent event) {
        if (event.tid() != event.pid()) {
            return; // another thread; the process lives on
        }
        Tracked process = processes.get(event.pid());
        if (process == null || process.exited) {
            return;
        }
        exits++;
        process.exited = true;
        process.exitGeneration = generation;
        readPerfMapAtExit(process);
        // A process that ran before tracking began: its files were held only if it was sampled alive.
        if (process.scanned) {
            for (MemoryMapping mapping : process.mappings.values()) {
                if (mapping.isFileBacked()) {
                    pendingLoads.add(new PendingLoad(process.tgid, process.parent, mapping));
                }
            }
        }
        exited.addLast(process);
        while (exited.size() > MAX_EXITED) {
            evict(exited.removeFirst());
        }
    }

    private void evict(Tracked process) {
        processes.remove(process.tgid, process);
        releaseTmpDirectory(process);
    }

    /**
     * Holds the process's {@code /tmp} open, confined to its root, so that a JIT map it writes as it
     * exits (the JVM's {@code -XX:+DumpPerfMapAtExit}) can be read when its exit is seen: by then
     * its root and {@code /proc/PID} are gone, and a {@code /tmp} of its own (a tmpfs) is
     * unmounted once its last process leaves, but an open directory keeps it.
     */
    private void holdTmpDirectory(Tracked process) {
        if (jitDirectories >= MAX_JIT_DIRECTORIES || process.tmpDirectory >= 0) {
            return;
        }
        Path directory = proc.resolve(Integer.toString(process.tgid));
        try {
            process.namespacePid = Symbolizer.namespacePid(process.tgid, directory);
            process.tmpDirectory = ConfinedFile.openDirectoryInRoot(directory, "tmp");
            jitDirectories++;
        } catch (IOException | RuntimeException e) {
            // Gone already, or no /tmp: its map, if any, is read at slice end while it lives.
        }
    }

    private void releaseTmpDirectory(Tracked process) {
        if (process.tmpDirectory >= 0) {
            Libc.close(process.tmpDirectory);
            process.tmpDirectory = -1;
            jitDirectories--;
        }
    }

    private void readPerfMapAtExit(Tracked process) {
        if (process.tmpDirectory < 0) {
            return;
        }
        String name = "perf-" + process.namespacePid + ".map";
        try (ConfinedFile file = ConfinedFile.openAt(
                process.tmpDirectory, name, PerfMap.MAX_BYTES, "/proc/" + process.tgid + "/root/tmp/" + name)) {
            process.perfMap = PerfMap.read(file);
            perfMapsReadAtExit++;
        } catch (NoSuchFileException e) {
            // It wrote none.
        } catch (IOException e) {
            // A FIFO, too big, unreadable: its JIT frames stay unnamed.
        } finally {
            releaseTmpDirectory(process);
        }
    }

    /** Reads the processes running now from /proc, as the records only tell what happens from now on. */
    private void scanRunning() {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(proc, "[0-9]*")) {
            for (Path directory : entries) {
                int tgid;
                try {
                    tgid = Integer.parseInt(directory.getFileName().toString());
                } catch (NumberFormatException e) {
                    continue;
                }
                Tracked process = new Tracked(tgid);
                process.since = System.nanoTime();
                process.lostBefore = lostRecords();
                process.scanned = true;
                try {
                    process.comm = Files.readString(directory.resolve("comm")).strip();
                    ProcessMaps maps = ProcessMaps.read(directory.resolve("maps"));
                    maps.mappings().forEach(mapping -> process.mappings.put(mapping.start(), mapping));
                    process.executable = MemoryMapping.withoutDeletedMark(
                            Files.readSymbolicLink(directory.resolve("exe")).toString());
                } catch (IOException | IllegalArgumentException e) {
                    // Exited meanwhile, or a kernel thread (no exe): what was read stays.
                }
                synchronized (lock) {
                    processes.putIfAbsent(tgid, process);
                    if (process.mappings.values().stream().anyMatch(MemoryMapping::isAnonymous)) {
                        process.jitSeen = true;
                        holdTmpDirectory(process);
                    }
                }
            }
        } catch (IOException e) {
            // No /proc to read: only processes started from now on are tracked.
        }
    }

    /** Records the kernel could not write to the rings (full) since tracking began. */
    private long lostRecords() {
        return rings == null ? 0 : rings.lostRecords();
    }

    /** What is known of a process (alive or exited and still kept), or null. */
    Image image(int tgid) {
        synchronized (lock) {
            Tracked process = processes.get(tgid);
            if (process == null) {
                return null;
            }
            return new Image(
                    process.maps(),
                    process.executable == null ? "" : process.executable,
                    process.comm,
                    process.perfMap,
                    process.exited,
                    process.parent,
                    process.lostBefore >= 0 && process.lostBefore == lostRecords());
        }
    }

    /**
     * A slice has been symbolized: processes that exited before the previous slice end are no
     * longer needed (their last samples were in that slice or this one).
     */
    void sliceSymbolized() {
        synchronized (lock) {
            while (!exited.isEmpty() && exited.peekFirst().exitGeneration < generation) {
                evict(exited.removeFirst());
            }
            generation++;
        }
    }

    public Stats stats() {
        synchronized (lock) {
            return new Stats(
                    records,
                    executableMappings,
                    forks,
                    exits,
                    execs,
                    lostRecords(),
                    processes.size() - exited.size(),
                    exited.size(),
                    perfMapsReadAtExit);
        }
    }

    /** The path of /proc/1/root: the host's files, for {@link Symbolizer}'s verified fallback. */
    Path hostRoot() {
        return ProcessImage.root(proc.resolve(HOST_PID));
    }

    /** Runs when the tracker is closed (the symbolizer stops asking it). */
    void onClose(Runnable action) {
        this.onClose = action;
    }

    @Override
    public void close() {
        if (rings == null || closed) {
            return;
        }
        onClose.run();
        closed = true;
        try {
            reader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (lock) {
            rings.close();
            processes.values().forEach(this::releaseTmpDirectory);
            processes.clear();
            exited.clear();
        }
    }
}
