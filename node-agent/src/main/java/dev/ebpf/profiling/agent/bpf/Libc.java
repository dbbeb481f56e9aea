package dev.ebpf.profiling.agent.bpf;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.NoSuchFileException;

/**
 * The few C library calls the agent needs beyond libbpf: perf_event_open, mmap and poll (for the
 * ring buffer of the event that reports mappings), close, strerror, and the openat/openat2 calls
 * that open files a container controls without following its links.
 */
public final class Libc {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    /** x86-64 system call number of perf_event_open, which glibc does not wrap. */
    private static final long SYS_PERF_EVENT_OPEN = 298;

    private static final long PERF_FLAG_FD_CLOEXEC = 1L << 3;

    /** x86-64 system call numbers of openat and openat2 (Linux 5.6+; glibc 2.36 wraps neither the same way). */
    private static final long SYS_OPENAT = 257;

    private static final long SYS_OPENAT2 = 437;
    private static final long AT_FDCWD = -100;
    private static final int ENOSYS = 38;

    public static final long O_RDONLY = 0;
    public static final long O_NONBLOCK = 0x800;
    public static final long O_DIRECTORY = 0x10000;
    public static final long O_NOFOLLOW = 0x20000;
    public static final long O_CLOEXEC = 0x80000;
    public static final long O_PATH = 0x200000;
    /** openat2 resolve flags: never follow /proc magic links; resolve the path as if the directory were "/". */
    public static final long RESOLVE_NO_MAGICLINKS = 0x02;

    public static final long RESOLVE_IN_ROOT = 0x10;
    /** struct open_how { u64 flags; u64 mode; u64 resolve; } */
    private static final long OPEN_HOW_SIZE = 24;

    private static final MethodHandle SYSCALL_OPEN = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("syscall"),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1),
            Linker.Option.captureCallState("errno"));

    private static final MethodHandle SYSCALL = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("syscall"),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1),
            Linker.Option.captureCallState("errno"));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("close"), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("strerror"), FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final MethodHandle MMAP = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("mmap"),
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG),
            Linker.Option.captureCallState("errno"));
    private static final MethodHandle MUNMAP = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("munmap"), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle POLL = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("poll"),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT),
            Linker.Option.captureCallState("errno"));

    private static final int PROT_READ = 0x1;
    private static final int PROT_WRITE = 0x2;
    private static final int MAP_SHARED = 0x01;
    private static final int EINTR = 4;

    private Libc() {}

    /** Opens a perf event for all processes on one CPU; returns the fd or throws with the errno. */
    static int perfEventOpen(MemorySegment attr, int cpu) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long fd = (long)
                    SYSCALL.invokeExact(state, SYS_PERF_EVENT_OPEN, attr, -1L, (long) cpu, -1L, PERF_FLAG_FD_CLOEXEC);
            if (fd < 0) {
                int errno = (int) ERRNO.get(state, 0L);
                throw new BpfException("perf_event_open on CPU " + cpu + ": " + Errno.describe(errno), errno);
            }
            return (int) fd;
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("perf_event_open call failed", t);
        }
    }

    /**
     * Opens a perf event with these attributes on one CPU for every process (pid -1), close-on-exec;
     * returns the fd or throws a {@link BpfException} with the errno.
     */
    public static int perfEventOpenAllProcesses(MemorySegment attr, int cpu) {
        return perfEventOpen(attr, cpu);
    }

    /**
     * mmap(NULL, bytes, PROT_READ|PROT_WRITE, MAP_SHARED, fd, 0): a perf event's ring buffer, as a
     * segment of that size; throws a {@link BpfException} with the errno.
     */
    public static MemorySegment mapShared(int fd, long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment address = (MemorySegment)
                    MMAP.invokeExact(state, MemorySegment.NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0L);
            if (address.address() == -1L) {
                int errno = (int) ERRNO.get(state, 0L);
                throw new BpfException("mmap of " + bytes + " bytes: " + Errno.describe(errno), errno);
            }
            return address.reinterpret(bytes);
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("mmap call failed", t);
        }
    }

    public static void unmap(MemorySegment mapping) {
        try {
            int ignored = (int) MUNMAP.invokeExact(mapping, mapping.byteSize());
        } catch (Throwable t) {
            throw new IllegalStateException("munmap call failed", t);
        }
    }

    /**
     * poll(fds, n, timeoutMillis) for POLLIN on {@code pollFds} (an array of struct pollfd, 8 bytes
     * each, laid out by the caller); the number of ready fds, 0 on timeout or on EINTR.
     */
    public static int poll(MemorySegment pollFds, int count, int timeoutMillis) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int ready = (int) POLL.invokeExact(state, pollFds, (long) count, timeoutMillis);
            if (ready < 0) {
                int errno = (int) ERRNO.get(state, 0L);
                if (errno == EINTR) {
                    return 0;
                }
                throw new BpfException("poll: " + Errno.describe(errno), errno);
            }
            return ready;
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("poll call failed", t);
        }
    }

    /** openat(directory, path, flags): the fd, or an IOException naming {@code shownAs} and the errno. */
    public static int openAt(int directory, String path, long flags, String shownAs) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long fd = (long)
                    SYSCALL_OPEN.invokeExact(state, SYS_OPENAT, (long) directory, arena.allocateFrom(path), flags, 0L);
            return checkFd(fd, state, shownAs);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("openat call failed", t);
        }
    }

    /** openat(AT_FDCWD, path, flags): the fd, or an IOException naming the path and the errno. */
    public static int open(String path, long flags) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long fd = (long) SYSCALL_OPEN.invokeExact(state, SYS_OPENAT, AT_FDCWD, arena.allocateFrom(path), flags, 0L);
            return checkFd(fd, state, path);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("openat call failed", t);
        }
    }

    /**
     * openat2(directory, path, {flags, 0, resolve}): the fd, or an IOException naming {@code shownAs}
     * and the errno. ENOSYS (kernels before 5.6) is an IOException too: the caller decides the fallback.
     */
    public static int openAt2(int directory, String path, long flags, long resolve, String shownAs) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment how = arena.allocate(OPEN_HOW_SIZE, 8);
            how.set(JAVA_LONG, 0, flags);
            how.set(JAVA_LONG, 16, resolve);
            long fd = (long) SYSCALL_OPEN.invokeExact(
                    state, SYS_OPENAT2, (long) directory, arena.allocateFrom(path), how.address(), OPEN_HOW_SIZE);
            return checkFd(fd, state, shownAs);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("openat2 call failed", t);
        }
    }

    /** Whether an IOException of {@link #openAt2} means the kernel has no openat2. */
    public static boolean isMissingSyscall(IOException e) {
        return e.getMessage() != null && e.getMessage().endsWith("(errno " + ENOSYS + ")");
    }

    private static int checkFd(long fd, MemorySegment state, String path) throws IOException {
        if (fd < 0) {
            int errno = (int) ERRNO.get(state, 0L);
            if (errno == Errno.ENOENT) {
                throw new NoSuchFileException(path);
            }
            throw new IOException(path + ": " + Errno.describe(errno));
        }
        return (int) fd;
    }

    public static void close(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException("close call failed", t);
        }
    }

    static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "error";
        }
    }

    /** The layout of the captured errno, for libbpf calls that report failure through it. */
    static StructLayout callStateLayout() {
        return CALL_STATE;
    }

    static int errno(MemorySegment callState) {
        return (int) ERRNO.get(callState, 0L);
    }
}
