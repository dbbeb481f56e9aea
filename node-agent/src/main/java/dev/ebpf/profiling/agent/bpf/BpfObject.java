package dev.ebpf.profiling.agent.bpf;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A CO-RE BPF object from the classpath, opened and loaded through libbpf. It owns the libbpf
 * object, every link it attached and the memory of the ELF image; {@link #close()} releases all.
 */
public final class BpfObject implements AutoCloseable {

    /** Where the kernel's BTF lives; CO-RE relocation needs it. */
    public static final Path KERNEL_BTF = Path.of("/sys/kernel/btf/vmlinux");

    // enum bpf_map_type values of the per-CPU maps, whose values user space reads once per CPU.
    private static final int BPF_MAP_TYPE_PERCPU_HASH = 5;
    private static final int BPF_MAP_TYPE_PERCPU_ARRAY = 6;
    private static final int BPF_MAP_TYPE_LRU_PERCPU_HASH = 10;

    private final String name;
    /** Holds the ELF image (libbpf reads it until load) and small call buffers; freed on close. */
    private final Arena arena;

    private final MemorySegment object;
    private final List<MemorySegment> links = new ArrayList<>();
    private final Map<String, BpfMap> maps = new HashMap<>();
    private boolean loaded;
    private boolean closed;

    private BpfObject(String name, Arena arena, MemorySegment object) {
        this.name = name;
        this.arena = arena;
        this.object = object;
    }

    /** Opens {@code bpf/<name>.bpf.o} from the classpath; nothing is in the kernel until {@link #load()}. */
    @SuppressWarnings("MustBeClosedChecker") // the arena lives as long as the object, which closes it
    public static BpfObject open(String name) {
        String resource = "bpf/" + name + ".bpf.o";
        byte[] image;
        try (InputStream in = BpfObject.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new BpfException(resource + " is not on the classpath: build the bpf module first");
            }
            image = in.readAllBytes();
        } catch (IOException e) {
            throw new BpfException("cannot read " + resource + ": " + e.getMessage());
        }
        requireKernelBtf(KERNEL_BTF);
        LibBpfLog.install();
        Arena arena = Arena.ofShared();
        try {
            MemorySegment elf = arena.allocate(image.length, 8);
            elf.copyFrom(MemorySegment.ofArray(image));
            // struct bpf_object_open_opts { size_t sz; const char *object_name; ... }: the fields
            // past sz are treated as unset by libbpf.
            MemorySegment opts = arena.allocate(16, 8);
            opts.set(JAVA_LONG, 0, 16);
            opts.set(ADDRESS, 8, arena.allocateFrom(name));
            MemorySegment errno = arena.allocate(Libc.callStateLayout());
            MemorySegment object =
                    (MemorySegment) LibBpf.OBJECT_OPEN_MEM.invokeExact(errno, elf, (long) image.length, opts);
            if (object.equals(MemorySegment.NULL)) {
                int code = Libc.errno(errno);
                throw new BpfException("opening " + resource + " failed: " + Errno.describe(code) + lastLog(), code);
            }
            return new BpfObject(name, arena, object);
        } catch (Throwable t) {
            arena.close();
            throw LibBpf.rethrow(t);
        }
    }

    /** CO-RE needs the kernel's BTF; say so plainly instead of failing deep inside libbpf. */
    public static void requireKernelBtf(Path btf) {
        if (!Files.isReadable(btf)) {
            throw new BpfException("kernel BTF is missing at " + btf
                    + ": this kernel was built without CONFIG_DEBUG_INFO_BTF, which the CO-RE programs need");
        }
    }

    public String name() {
        return name;
    }

    /**
     * The initial value of a global data section (".rodata", ".bss"), writable before {@link #load()}.
     * Its size is checked against what the caller expects.
     */
    public MemorySegment sectionBeforeLoad(String section, long expectedSize) {
        requireOpen();
        if (loaded) {
            throw new IllegalStateException(section + " can only be set before load");
        }
        try {
            MemorySegment map = findMap(section);
            MemorySegment size = arena.allocate(JAVA_LONG);
            MemorySegment data = (MemorySegment) LibBpf.MAP_INITIAL_VALUE.invokeExact(map, size);
            long bytes = size.get(JAVA_LONG, 0);
            if (data.equals(MemorySegment.NULL) || bytes != expectedSize) {
                throw new BpfException(name + " section " + section + " has " + bytes + " bytes, the agent expects "
                        + expectedSize + ": the agent and bpf/profiler.h are out of step");
            }
            return data.reinterpret(bytes);
        } catch (Throwable t) {
            throw LibBpf.rethrow(t);
        }
    }

    /** Changes a map's capacity before load (tests use it to fill a map on purpose). */
    public void setMaxEntries(String mapName, int maxEntries) {
        requireOpen();
        try {
            LibBpf.check(
                    (int) LibBpf.MAP_SET_MAX_ENTRIES.invokeExact(findMap(mapName), maxEntries),
                    "resizing map " + mapName);
        } catch (Throwable t) {
            throw LibBpf.rethrow(t);
        }
    }

    /** Verifies and loads every program and creates every map. */
    public void load() {
        requireOpen();
        try {
            LibBpfLog.drain();
            int result = (int) LibBpf.OBJECT_LOAD.invokeExact(object);
            if (result < 0) {
                String why = result == -Errno.EPERM || result == -Errno.EACCES
                        ? " (run as root, or with CAP_BPF and CAP_PERFMON)"
                        : "";
                throw new BpfException(
                        "loading " + name + ".bpf.o failed: " + Errno.describe(-result) + why + lastLog(), -result);
            }
            loaded = true;
        } catch (Throwable t) {
            throw LibBpf.rethrow(t);
        }
    }

    /** A map of the loaded object. */
    public BpfMap map(String mapName) {
        requireOpen();
        if (!loaded) {
            throw new IllegalStateException("maps have fds only after load");
        }
        return maps.computeIfAbsent(mapName, this::describeMap);
    }

    private BpfMap describeMap(String mapName) {
        try {
            MemorySegment map = findMap(mapName);
            int fd = LibBpf.check((int) LibBpf.MAP_FD.invokeExact(map), "map " + mapName + " fd");
            int keySize = (int) LibBpf.MAP_KEY_SIZE.invokeExact(map);
            int valueSize = (int) LibBpf.MAP_VALUE_SIZE.invokeExact(map);
            int maxEntries = (int) LibBpf.MAP_MAX_ENTRIES.invokeExact(map);
            return new BpfMap(mapName, fd, keySize, valueSize, maxEntries, isPerCpu(mapName));
        } catch (Throwable t) {
            throw LibBpf.rethrow(t);
        }
    }

    private boolean isPerCpu(String mapName) {
        try {
            int type = (int) LibBpf.MAP_TYPE.invokeExact(findMap(mapName));
            return type == BPF_MAP_TYPE_PERCPU_HASH
                    || type == BPF_MAP_TYPE_PERCPU_ARRAY
                    || type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
        } catch (Throwable t) {
            throw LibBpf.rethrow(t);
        }
    }

    /** Attaches a perf_event program to an open perf event; the link then owns (and closes) the fd. */
    public void attachPerfEvent(String program, int perfEventFd) {
        requireLoaded();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(Libc.callStateLayout());
            MemorySegment link =
                    (MemorySegment) LibBpf.ATTACH_PERF_EVENT.invokeExact(errno, findProgram(program), perfEventFd);
            if (link.equals(MemorySegment.NULL)) {
                int code = Libc.errno(errno);
                throw new BpfException(
                        "attaching " + program + " to a perf event failed: " + Errno.describe(code) + lastLog(), code);
            }
            links.add(link);
        } catch (Throwable t) {
            throw LibBpf.rethrow(t);
        }
    }

    /** Attaches a program where its SEC() name says (tracepoints). */
    public void attach(String program) {
        requireLoaded();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(Libc.callStateLayout());
            MemorySegment link = (MemorySegment) LibBpf.ATTACH.invokeExact(errno, findProgram(program));
            if (link.equals(MemorySegment.NULL)) {
                int code = Libc.errno(errno);
                throw new BpfException("attaching " + program + " failed: " + Errno.describe(code) + lastLog(), code);
            }
            links.add(link);
        } catch (Throwable t) {
            throw LibBpf.rethrow(t);
        }
    }

    // struct bpf_test_run_opts of libbpf 1.x: sz at 0, retval at 56, flags at 68, cpu at 72; 80 bytes.
    private static final long TEST_RUN_OPTS_BYTES = 80;
    private static final long TEST_RUN_RETVAL_OFFSET = 56;
    private static final long TEST_RUN_FLAGS_OFFSET = 68;
    private static final long TEST_RUN_CPU_OFFSET = 72;
    /** BPF_F_TEST_RUN_ON_CPU: run on the given CPU (an IPI there), not on the caller's. */
    private static final int BPF_F_TEST_RUN_ON_CPU = 1;

    /**
     * Runs a raw_tp program once on {@code cpu}, in an interrupt there (BPF_PROG_TEST_RUN with
     * BPF_F_TEST_RUN_ON_CPU, Linux 5.10+): the program sees the task running on that CPU as the
     * current one. Returns the program's return value.
     */
    public int runOnCpu(String program, int cpu) {
        requireLoaded();
        try (Arena call = Arena.ofConfined()) {
            int fd = LibBpf.check((int) LibBpf.PROGRAM_FD.invokeExact(findProgram(program)), program + " fd");
            MemorySegment opts = call.allocate(TEST_RUN_OPTS_BYTES, 8);
            opts.set(JAVA_LONG, 0, TEST_RUN_OPTS_BYTES);
            opts.set(JAVA_INT, TEST_RUN_FLAGS_OFFSET, BPF_F_TEST_RUN_ON_CPU);
            opts.set(JAVA_INT, TEST_RUN_CPU_OFFSET, cpu);
            LibBpf.check((int) LibBpf.PROG_TEST_RUN.invokeExact(fd, opts), "running " + program + " on CPU " + cpu);
            return opts.get(JAVA_INT, TEST_RUN_RETVAL_OFFSET);
        } catch (Throwable t) {
            throw LibBpf.rethrow(t);
        }
    }

    /**
     * The kernel's run statistics of a loaded program (its fdinfo): how often it ran and for how
     * long in all. Both stay 0 unless {@code kernel.bpf_stats_enabled} is 1 (benchmarks set it).
     */
    public ProgramStats programStats(String program) {
        requireLoaded();
        try {
            int fd = LibBpf.check((int) LibBpf.PROGRAM_FD.invokeExact(findProgram(program)), program + " fd");
            return ProgramStats.parse(Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd)));
        } catch (IOException e) {
            throw new BpfException("cannot read the fdinfo of " + program + ": " + e.getMessage());
        } catch (Throwable t) {
            throw LibBpf.rethrow(t);
        }
    }

    /** A program's run count and total run time, as its fdinfo reports them. */
    public record ProgramStats(long runCount, long runTimeNanos) {
        static ProgramStats parse(List<String> fdinfo) {
            long count = 0;
            long nanos = 0;
            for (String line : fdinfo) {
                String[] parts = line.split(":\\s*", 2);
                if (parts.length == 2 && parts[0].equals("run_cnt")) {
                    count = Long.parseLong(parts[1].strip());
                } else if (parts.length == 2 && parts[0].equals("run_time_ns")) {
                    nanos = Long.parseLong(parts[1].strip());
                }
            }
            return new ProgramStats(count, nanos);
        }

        public ProgramStats minus(ProgramStats earlier) {
            return new ProgramStats(runCount - earlier.runCount, runTimeNanos - earlier.runTimeNanos);
        }

        /** Mean run time per run, in nanoseconds; 0 when it did not run. */
        public double nanosPerRun() {
            return runCount == 0 ? 0 : (double) runTimeNanos / runCount;
        }
    }

    private MemorySegment findMap(String mapName) throws Throwable {
        MemorySegment map = (MemorySegment) LibBpf.FIND_MAP.invokeExact(object, arena.allocateFrom(mapName));
        if (map.equals(MemorySegment.NULL)) {
            throw new BpfException(name + ".bpf.o has no map named " + mapName);
        }
        return map;
    }

    private MemorySegment findProgram(String program) throws Throwable {
        MemorySegment prog = (MemorySegment) LibBpf.FIND_PROGRAM.invokeExact(object, arena.allocateFrom(program));
        if (prog.equals(MemorySegment.NULL)) {
            throw new BpfException(name + ".bpf.o has no program named " + program);
        }
        return prog;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
    }

    private void requireLoaded() {
        requireOpen();
        if (!loaded) {
            throw new IllegalStateException(name + " is not loaded");
        }
    }

    private static String lastLog() {
        List<String> log = LibBpfLog.drain();
        return log.isEmpty() ? "" : "; libbpf: " + log.getLast();
    }

    /** Detaches every program (closing their perf events) and keeps the maps: attach again to go on. */
    public void detachAll() {
        requireOpen();
        try {
            for (MemorySegment link : links.reversed()) {
                int ignored = (int) LibBpf.LINK_DESTROY.invokeExact(link);
            }
            links.clear();
        } catch (Throwable t) {
            throw LibBpf.rethrow(t);
        }
    }

    /** Detaches every program, then frees the maps and programs. Safe to call twice. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            for (MemorySegment link : links.reversed()) {
                int ignored = (int) LibBpf.LINK_DESTROY.invokeExact(link);
            }
            links.clear();
            LibBpf.OBJECT_CLOSE.invokeExact(object);
        } catch (Throwable t) {
            throw LibBpf.rethrow(t);
        } finally {
            arena.close();
        }
    }
}
