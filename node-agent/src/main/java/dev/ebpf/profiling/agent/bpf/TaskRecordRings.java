package dev.ebpf.profiling.agent.bpf;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel's own records of what processes do to their address space and life: one dummy
 * software perf event (PERF_COUNT_SW_DUMMY, which never samples) per CPU for every process, with
 * {@code mmap2} (executable mappings only), {@code comm} (and {@code comm_exec}), {@code task} (fork
 * and exit) and {@code sample_id_all} with pid/tid and a CLOCK_MONOTONIC time on every record, so
 * records from different CPUs can be put back in order and compared with {@link System#nanoTime()}.
 * Each event has its own ring buffer, mapped into this process and read by {@link #drain}.
 *
 * <p>Not thread-safe: one reader drains (callers serialise).
 */
public final class TaskRecordRings implements AutoCloseable {

    public static final int PERF_RECORD_LOST = 2;
    public static final int PERF_RECORD_COMM = 3;
    public static final int PERF_RECORD_EXIT = 4;
    public static final int PERF_RECORD_FORK = 7;
    public static final int PERF_RECORD_MMAP2 = 10;
    /** PERF_RECORD_COMM's misc bit: the comm changed because the process called exec. */
    public static final int PERF_RECORD_MISC_COMM_EXEC = 1 << 13;
    /** Size of the header every record starts with: u32 type, u16 misc, u16 size. */
    public static final int HEADER_BYTES = 8;
    /** The sample_id every record ends with: u32 pid, u32 tid, u64 time (PERF_SAMPLE_TID | PERF_SAMPLE_TIME). */
    public static final int SAMPLE_ID_BYTES = 16;

    private static final int PERF_TYPE_SOFTWARE = 1;
    private static final long PERF_COUNT_SW_DUMMY = 9;
    private static final long PERF_SAMPLE_TID = 1L << 1;
    private static final long PERF_SAMPLE_TIME = 1L << 2;
    private static final int ATTR_SIZE = 128;
    private static final long OFFSET_SAMPLE_TYPE = 24;
    private static final long OFFSET_FLAGS = 40;
    private static final long OFFSET_WAKEUP = 48;
    private static final long OFFSET_CLOCKID = 92;
    /** Needed beside mmap2: the kernel counts mmap listeners by this bit only (mmap2 then picks the format). */
    private static final long FLAG_MMAP = 1L << 8;

    private static final long FLAG_COMM = 1L << 9;
    private static final long FLAG_TASK = 1L << 13;
    private static final long FLAG_SAMPLE_ID_ALL = 1L << 18;
    private static final long FLAG_MMAP2 = 1L << 23;
    private static final long FLAG_COMM_EXEC = 1L << 24;
    private static final long FLAG_USE_CLOCKID = 1L << 25;
    private static final int CLOCK_MONOTONIC = 1;

    // struct perf_event_mmap_page: the ring's head and tail, and where its data pages are.
    private static final long OFFSET_DATA_HEAD = 1024;
    private static final long OFFSET_DATA_TAIL = 1032;
    private static final long PAGE_SIZE = 4096;
    private static final short POLLIN = 0x1;
    private static final int POLLFD_BYTES = 8;

    private static final VarHandle LONG_AT = ValueLayout.JAVA_LONG.varHandle();

    private final List<Integer> fds;
    private final List<MemorySegment> mappings;
    private final long dataBytes;
    private final MemorySegment pollFds;
    private final Arena arena = Arena.ofShared();
    /** A record that wraps around the end of a ring is copied here to be read in one piece. */
    private final MemorySegment scratch;

    private long lostRecords;

    private TaskRecordRings(List<Integer> fds, List<MemorySegment> mappings, long dataBytes) {
        this.fds = fds;
        this.mappings = mappings;
        this.dataBytes = dataBytes;
        this.pollFds = arena.allocate((long) POLLFD_BYTES * fds.size(), 8);
        for (int i = 0; i < fds.size(); i++) {
            pollFds.set(JAVA_INT, (long) i * POLLFD_BYTES, fds.get(i));
            pollFds.set(JAVA_SHORT, (long) i * POLLFD_BYTES + 4, POLLIN);
        }
        this.scratch = arena.allocate(1 << 16, 8);
    }

    /**
     * Opens the event on every CPU with a ring of {@code dataPages} pages (a power of two) each.
     *
     * @param wakeupEvents wake a poller after this many records (1: at once)
     * @throws BpfException when the kernel refuses the event or its ring (the errno says why)
     */
    public static TaskRecordRings open(List<Integer> cpus, int dataPages, int wakeupEvents) {
        if (Integer.bitCount(dataPages) != 1) {
            throw new IllegalArgumentException("ring pages must be a power of two, got " + dataPages);
        }
        List<Integer> fds = new ArrayList<>();
        List<MemorySegment> mappings = new ArrayList<>();
        long bytes = (1 + dataPages) * PAGE_SIZE;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, PERF_TYPE_SOFTWARE);
            attr.set(JAVA_INT, 4, ATTR_SIZE);
            attr.set(JAVA_LONG, 8, PERF_COUNT_SW_DUMMY);
            attr.set(JAVA_LONG, OFFSET_SAMPLE_TYPE, PERF_SAMPLE_TID | PERF_SAMPLE_TIME);
            attr.set(
                    JAVA_LONG,
                    OFFSET_FLAGS,
                    FLAG_MMAP
                            | FLAG_COMM
                            | FLAG_TASK
                            | FLAG_SAMPLE_ID_ALL
                            | FLAG_MMAP2
                            | FLAG_COMM_EXEC
                            | FLAG_USE_CLOCKID);
            attr.set(JAVA_INT, OFFSET_WAKEUP, wakeupEvents);
            attr.set(JAVA_INT, OFFSET_CLOCKID, CLOCK_MONOTONIC);
            for (int cpu : cpus) {
                int fd = Libc.perfEventOpenAllProcesses(attr, cpu);
                fds.add(fd);
                mappings.add(Libc.mapShared(fd, bytes));
            }
            return new TaskRecordRings(fds, mappings, dataPages * PAGE_SIZE);
        } catch (RuntimeException e) {
            mappings.forEach(Libc::unmap);
            fds.forEach(Libc::close);
            throw e;
        }
    }

    /** Receives one record: its bytes from the header on, valid only during the call. */
    @FunctionalInterface
    public interface RecordHandler {
        void record(int type, int misc, MemorySegment record);
    }

    /**
     * Hands every record written so far to {@code handler}, ring by ring (so records of different
     * CPUs are not in time order: the caller orders them by their time), then frees their space.
     * PERF_RECORD_LOST records are counted ({@link #lostRecords()}) and handed on too.
     *
     * @return how many records were read
     */
    public int drain(RecordHandler handler) {
        int records = 0;
        for (MemorySegment ring : mappings) {
            long head = (long) LONG_AT.getAcquire(ring, OFFSET_DATA_HEAD);
            long tail = ring.get(JAVA_LONG, OFFSET_DATA_TAIL);
            MemorySegment data = ring.asSlice(PAGE_SIZE, dataBytes);
            while (tail < head) {
                long offset = tail & (dataBytes - 1);
                int type = data.get(JAVA_INT, offset);
                int misc = Short.toUnsignedInt(data.get(JAVA_SHORT, offset + 4));
                int size = Short.toUnsignedInt(data.get(JAVA_SHORT, offset + 6));
                if (size < HEADER_BYTES) {
                    tail = head; // cannot happen with a sane kernel; never spin on it
                    break;
                }
                MemorySegment record;
                if (offset + size <= dataBytes) {
                    record = data.asSlice(offset, size);
                } else {
                    long first = dataBytes - offset;
                    MemorySegment.copy(data, offset, scratch, 0, first);
                    MemorySegment.copy(data, 0, scratch, first, size - first);
                    record = scratch.asSlice(0, size);
                }
                if (type == PERF_RECORD_LOST) {
                    lostRecords += record.get(JAVA_LONG, HEADER_BYTES + 8);
                }
                handler.record(type, misc, record);
                records++;
                tail += size;
            }
            LONG_AT.setRelease(ring, OFFSET_DATA_TAIL, tail);
        }
        return records;
    }

    /** Waits up to {@code timeoutMillis} for a ring to wake the reader; true when one did. */
    public boolean await(int timeoutMillis) {
        return Libc.poll(pollFds, fds.size(), timeoutMillis) > 0;
    }

    /** Records the kernel dropped because a ring was full (from its PERF_RECORD_LOST records). */
    public long lostRecords() {
        return lostRecords;
    }

    public int cpus() {
        return fds.size();
    }

    @Override
    public void close() {
        mappings.forEach(Libc::unmap);
        fds.forEach(Libc::close);
        arena.close();
    }
}
