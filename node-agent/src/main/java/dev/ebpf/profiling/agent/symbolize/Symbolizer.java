package dev.ebpf.profiling.agent.symbolize;

import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Names the frames of sampled stacks. It lives as long as the agent, so that its caches (ELF
 * symbols by file identity, JIT maps) carry over from slice to slice; each slice takes a
 * {@link #snapshot} at its end and symbolizes its stacks from that.
 *
 * <p>A file's symbols are read only when a sample lands in it (a node maps thousands of files,
 * its samples land in a few), and dropped once no slice used them for {@link #SYMBOLS_MAX_IDLE}.
 * While mappings are tracked, each file a process maps is held open meanwhile ({@link HeldFiles}),
 * so a process that exits before its slice ends still has its files read.
 */
public final class Symbolizer {

    /** Files whose symbols stay cached; a node rarely maps more distinct binaries and libraries. */
    public static final int DEFAULT_CACHED_FILES = 4096;
    /** Symbols no slice asked for this long are dropped (read again when a sample lands there again). */
    static final java.time.Duration SYMBOLS_MAX_IDLE = java.time.Duration.ofMinutes(10);

    private static final String PERF_MAP_DIRECTORY = "tmp";
    /** Where Debian, Ubuntu and Fedora debug packages put separate debug files. */
    static final String DEBUG_DIRECTORY = "/usr/lib/debug";

    private static final String DEBUG_FILE_SUFFIX = ".debug";
    /** The init process: its root is the host's file system. */
    private static final String HOST_PID = "1";

    private final KernelSymbols kernel;
    private final Path proc;
    private final String debugDirectory;
    private final SymbolTableCache symbolCache;
    private final HeldFiles heldFiles = new HeldFiles();
    private final Map<Integer, CachedPerfMap> perfMaps = new HashMap<>();
    /** The kernel's mmap records, while {@link #trackMappings} runs; null otherwise. */
    private volatile MappingTracker tracker;
    /** Why the last {@link #trackMappings} could not track, or null. */
    private volatile String trackingUnavailable;

    /** A JIT map as read, with what it looked like on disk, to read it again only when it grew. */
    private record CachedPerfMap(long size, long modified, PerfMap map) {}

    public Symbolizer(KernelSymbols kernel) {
        this(kernel, Path.of("/proc"), DEFAULT_CACHED_FILES, DEBUG_DIRECTORY);
    }

    Symbolizer(KernelSymbols kernel, Path proc, int cachedFiles, String debugDirectory) {
        this.kernel = kernel;
        this.proc = proc;
        this.debugDirectory = debugDirectory;
        this.symbolCache = new SymbolTableCache(cachedFiles);
    }

    /** The kernel's symbols this symbolizer names kernel frames with. */
    public KernelSymbols kernelSymbols() {
        return kernel;
    }

    /**
     * Starts learning each process's executable mappings as they appear, from the kernel's own
     * records (see {@link MappingTracker}), so that processes that exit before their slice ends
     * keep their frames and their name. Call once, before sampling starts; close the returned
     * tracker when sampling stops. Where the kernel refuses the records, the tracker does nothing
     * and {@link MappingTracker#unavailableReason()} (also {@link #mappingTrackingUnavailable()})
     * says why, once: symbolization works as without it.
     */
    public MappingTracker trackMappings() {
        return trackMappings(OnlineCpus.read().cpus());
    }

    /** As {@link #trackMappings()}, with records from these CPUs only (tests). */
    MappingTracker trackMappings(List<Integer> cpus) {
        MappingTracker started = MappingTracker.start(proc, cpus, this::holdMapped);
        trackingUnavailable = started.unavailableReason().orElse(null);
        if (trackingUnavailable == null) {
            tracker = started;
            started.onClose(() -> {
                if (tracker == started) {
                    tracker = null;
                }
            });
        }
        return started;
    }

    /** Why mappings are not tracked on this machine (one line), when {@link #trackMappings} could not. */
    public Optional<String> mappingTrackingUnavailable() {
        return Optional.ofNullable(trackingUnavailable);
    }

    /**
     * Captures, at slice end, the maps, executable and JIT map of these processes and loads the
     * symbols of every file they run code from, so their frames still resolve when they exit
     * before their stacks are symbolized. A process already gone has the mappings the kernel
     * reported while it ran (when {@link #trackMappings} runs), or is left out: its user frames
     * print as {@code [exited]}.
     */
    public SliceSymbols snapshot(Collection<Integer> tgids) {
        return snapshot(tgids, null);
    }

    /**
     * As {@link #snapshot(Collection)}, for the processes of {@code userAddresses}, loading the
     * symbols of only the files their sampled user addresses lie in: the other files' frames are
     * never asked for. Give every user instruction pointer of the slice's stacks.
     */
    public SliceSymbols snapshot(Map<Integer, long[]> userAddresses) {
        return snapshot(userAddresses.keySet(), userAddresses);
    }

    private synchronized SliceSymbols snapshot(Collection<Integer> tgids, Map<Integer, long[]> userAddresses) {
        MappingTracker tracking = tracker;
        if (tracking != null) {
            tracking.catchUp(); // every record written before this slice end
        }
        Map<Integer, ProcessImage> images = new LinkedHashMap<>();
        Map<Integer, String> exitedNames = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (int tgid : tgids) {
            ProcessImage image = capture(tgid, tracking, problems);
            if (image == null && tracking != null) {
                image = tracked(tracking, tgid, exitedNames);
            }
            if (image != null) {
                images.put(tgid, image);
            }
        }
        perfMaps.keySet().retainAll(images.keySet());
        Map<FileIdentity, ElfSymbols> files;
        heldFiles.reading();
        try {
            files = loadFiles(images.values(), userAddresses);
        } finally {
            heldFiles.doneReading();
        }
        if (tracking != null) {
            tracking.sliceSymbolized();
        }
        long now = System.nanoTime();
        symbolCache.expire(now - SYMBOLS_MAX_IDLE.toNanos());
        heldFiles.expire(now);
        return new SliceSymbols(kernel, images, files, problems, exitedNames);
    }

    /** An exited process as the kernel's records showed it; its JIT map as read at exit, or last slice. */
    private ProcessImage tracked(MappingTracker tracking, int tgid, Map<Integer, String> names) {
        MappingTracker.Image known = tracking.image(tgid);
        if (known == null) {
            return null;
        }
        if (known.comm() != null && !known.comm().isEmpty()) {
            names.put(tgid, known.comm());
        }
        // Usually held when mapped; the reader may still be at it, or it ran before tracking began.
        for (MemoryMapping mapping : known.maps().mappings()) {
            holdMapped(tgid, known.parent(), mapping);
        }
        PerfMap perfMap = known.perfMap();
        CachedPerfMap cached = perfMaps.get(tgid);
        if (perfMap == PerfMap.NONE && cached != null) {
            perfMap = cached.map();
        }
        return new ProcessImage(
                tgid,
                known.maps(),
                known.executable(),
                proc.resolve(Integer.toString(tgid)),
                perfMap,
                // Records lost while it ran may have held some of its mappings: judge no address then.
                known.mappingsComplete() ? KnownCode.of(known.maps()) : KnownCode.UNKNOWN);
    }

    /**
     * Holds a file a process just mapped (not read: see {@link HeldFiles}), unless its symbols are
     * cached or it is held already: through its map_files entry or its root while it runs; once it
     * is gone, through its parent's root or the host's. Whatever the path, only the very file it
     * mapped (same device and inode) is held.
     */
    private void holdMapped(int tgid, int parent, MemoryMapping mapping) {
        long now = System.nanoTime();
        if (!mapping.isFileBacked() || heldFiles.touch(mapping.file(), now) || symbolCache.contains(mapping.file())) {
            return;
        }
        ProcessImage process = new ProcessImage(
                tgid, ProcessMaps.NONE, "", proc.resolve(Integer.toString(tgid)), PerfMap.NONE, KnownCode.UNKNOWN);
        List<Path> candidates = new ArrayList<>(4);
        candidates.add(process.mappedFile(mapping));
        candidates.add(process.throughRoot(mapping.filePath()));
        for (int other : parent > 0 ? List.of(parent, 1) : List.of(1)) {
            candidates.add(ProcessImage.root(proc.resolve(Integer.toString(other)))
                    .resolve(mapping.filePath().substring(1)));
        }
        heldFiles.hold(mapping.file(), candidates, now);
    }

    /** Whether this path is the file of that identity (device and inode as /proc/PID/maps prints them). */
    static boolean isFile(Path path, FileIdentity identity) {
        try {
            Map<String, Object> attributes = Files.readAttributes(path, "unix:dev,ino");
            long device = (Long) attributes.get("dev");
            long inode = (Long) attributes.get("ino");
            int major = (int) (((device >>> 8) & 0xfff) | ((device >>> 32) & ~0xfffL));
            int minor = (int) ((device & 0xff) | ((device >>> 12) & ~0xffL));
            return inode == identity.inode()
                    && MappingTracker.device(major, minor).equals(identity.device());
        } catch (IOException | UnsupportedOperationException | ClassCastException e) {
            return false;
        }
    }

    /**
     * The process's image, or null when it has exited. A process that is there but cannot be
     * read gets an image without mappings (its user frames print as {@code [unknown]}) and a
     * problem line, rather than failing the whole slice.
     */
    private ProcessImage capture(int tgid, MappingTracker tracking, List<String> problems) {
        Path processDirectory = proc.resolve(Integer.toString(tgid));
        ProcessMaps maps;
        String executable;
        try {
            maps = ProcessMaps.read(processDirectory.resolve("maps"));
            Path exe = Files.readSymbolicLink(processDirectory.resolve("exe"));
            executable = MemoryMapping.withoutDeletedMark(exe.toString());
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | IllegalArgumentException e) {
            // A process that exits while its files are read fails with ESRCH-like errors.
            if (!Files.exists(processDirectory)) {
                return null;
            }
            problems.add("process " + tgid + ": cannot read its maps or executable: " + e.getMessage());
            return new ProcessImage(tgid, ProcessMaps.NONE, "", processDirectory, PerfMap.NONE, KnownCode.UNKNOWN);
        }
        // Only processes with anonymous executable memory run JIT code worth a perf map.
        PerfMap perfMap = PerfMap.NONE;
        if (maps.mappings().stream().anyMatch(MemoryMapping::isAnonymous)) {
            try {
                perfMap = perfMap(tgid, processDirectory);
            } catch (IOException e) {
                problems.add("process " + tgid + ": cannot read its JIT map: " + e.getMessage());
            }
        }
        MappingTracker.Image tracked = tracking == null ? null : tracking.image(tgid);
        return new ProcessImage(
                tgid,
                maps,
                executable,
                processDirectory,
                perfMap,
                KnownCode.of(maps, tracked == null ? null : tracked.maps()));
    }

    /**
     * The process's /tmp/perf-PID.map, where PID is its id in its own PID namespace (a JVM in a
     * container writes perf-1.map), read through its root; read again only when it changed.
     */
    private PerfMap perfMap(int tgid, Path processDirectory) throws IOException {
        String name = "perf-" + namespacePid(tgid, processDirectory) + ".map";
        Path file =
                ProcessImage.root(processDirectory).resolve(PERF_MAP_DIRECTORY).resolve(name);
        // The container writes this file: opened confined to its root, never a FIFO, a device or too big.
        try (ConfinedFile opened = ConfinedFile.open(file, PerfMap.MAX_BYTES)) {
            BasicFileAttributes attributes = opened.attributes();
            CachedPerfMap cached = perfMaps.get(tgid);
            long modified = attributes.lastModifiedTime().toMillis();
            if (cached != null && cached.size() == attributes.size() && cached.modified() == modified) {
                return cached.map();
            }
            PerfMap map = PerfMap.read(opened);
            perfMaps.put(tgid, new CachedPerfMap(attributes.size(), modified, map));
            return map;
        } catch (NoSuchFileException e) {
            perfMaps.remove(tgid);
            return PerfMap.NONE;
        }
    }

    /** The innermost id of the NSpid line of /proc/PID/status; the tgid itself on old kernels. */
    static int namespacePid(int tgid, Path processDirectory) throws IOException {
        try (BufferedReader status = Files.newBufferedReader(processDirectory.resolve("status"))) {
            for (String line; (line = status.readLine()) != null; ) {
                if (line.startsWith("NSpid:")) {
                    String[] ids = line.substring("NSpid:".length()).trim().split("\\s+");
                    return Integer.parseInt(ids[ids.length - 1]);
                }
            }
        }
        return tgid;
    }

    /**
     * The symbols of the files the processes run code from: of those their sampled addresses lie
     * in, or of all of them when {@code userAddresses} is null. A file is read through its held
     * descriptor, else through the root of the first process that maps it, else through its
     * map_files entry (a deleted file), and through the other processes' should that one be gone.
     */
    private Map<FileIdentity, ElfSymbols> loadFiles(
            Collection<ProcessImage> images, Map<Integer, long[]> userAddresses) {
        Map<FileIdentity, List<Path>> paths = new LinkedHashMap<>();
        Map<FileIdentity, ProcessImage> firstMapper = new HashMap<>();
        for (ProcessImage image : images) {
            List<MemoryMapping> mappings = image.maps().mappings();
            boolean[] sampled =
                    userAddresses == null ? null : sampledMappings(image.maps(), userAddresses.get(image.tgid()));
            for (int i = 0; i < mappings.size(); i++) {
                MemoryMapping mapping = mappings.get(i);
                if (mapping.isFileBacked() && (sampled == null || sampled[i])) {
                    List<Path> candidates = paths.computeIfAbsent(mapping.file(), identity -> {
                        List<Path> first = new ArrayList<>();
                        heldFiles.path(identity).ifPresent(first::add);
                        return first;
                    });
                    candidates.add(image.throughRoot(mapping.filePath()));
                    candidates.add(image.mappedFile(mapping));
                    firstMapper.putIfAbsent(mapping.file(), image);
                }
            }
        }
        Map<FileIdentity, ElfSymbols> files = new HashMap<>();
        paths.forEach((identity, candidates) -> files.put(
                identity,
                symbolCache.get(identity, candidates, buildId -> debugFiles(firstMapper.get(identity), buildId))));
        return files;
    }

    /**
     * Which of the mappings hold one of these addresses: a leaf's own address, or a return address
     * or the call instruction just before it (the symbolizer looks up a caller's address minus one).
     */
    private static boolean[] sampledMappings(ProcessMaps maps, long[] addresses) {
        boolean[] sampled = new boolean[maps.mappings().size()];
        if (addresses == null) {
            return sampled;
        }
        for (long address : addresses) {
            int at = maps.indexOf(address);
            if (at >= 0) {
                sampled[at] = true;
            }
            at = maps.indexOf(address - 1);
            if (at >= 0) {
                sampled[at] = true;
            }
        }
        return sampled;
    }

    /**
     * Where a build id's debug file may be: in the container of the process that maps the file,
     * and on the host (PID 1's root), whose debug packages match by build id, not by path.
     */
    private List<Path> debugFiles(ProcessImage process, String buildId) {
        String relative = debugDirectory + "/.build-id/" + buildId.substring(0, 2) + "/" + buildId.substring(2)
                + DEBUG_FILE_SUFFIX;
        return List.of(
                process.throughRoot(relative),
                ProcessImage.root(proc.resolve(HOST_PID)).resolve(relative));
    }

    /**
     * The mapped files that gave no symbols (32-bit, corrupt...), each with its reason, for a
     * one-line warning: their frames print as {@code [module+0xoffset]}.
     */
    public List<String> unreadableFiles() {
        return symbolCache.problems();
    }

    /** How many times a separate debug file (found by build id) was opened, over the symbolizer's life. */
    public long debugFileReads() {
        return symbolCache.debugFileReads();
    }

    /** How many files a process mapped were held open to read later, over the symbolizer's life. */
    public long filesHeld() {
        return heldFiles.opened();
    }

    /** The files held open now, for tests. */
    Set<FileIdentity> heldFileIdentities() {
        return heldFiles.identities();
    }

    /** The heap bytes of the symbol tables cached now (addresses and names), for benchmarks. */
    public long symbolHeapBytes() {
        return symbolCache.heapBytes() + kernel.heapBytes();
    }

    /** How many times a mapped file was opened to read its symbols, over the symbolizer's life. */
    public long fileReads() {
        return symbolCache.fileReads();
    }
}
