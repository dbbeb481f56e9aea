package dev.ebpf.profiling.agent.unwind;

import dev.ebpf.profiling.agent.bpf.Libc;
import dev.ebpf.profiling.agent.symbolize.FileIdentity;
import dev.ebpf.profiling.agent.symbolize.MemoryMapping;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.LongSupplier;

/**
 * Each mapped file's unwind table, built once per file identity (device and inode: the same
 * libc in a thousand processes, or in containers sharing an image layer, is read once) and
 * written into the kernel's {@code unwind_rows} array (memory-mapped: no system call per row).
 *
 * <p>Each process that maps a file holds it ({@link #acquire}, {@link #release}). A file no process
 * holds keeps its rows (the next process that maps it, often soon, needs no new build) until a
 * new table does not fit: then the files unused longest give back their rows, but only those
 * unused for {@link #GRACE_NANOS}. The agent deletes a process's entry before releasing its files,
 * so after that only a program that fetched the old entry just before could still read the rows,
 * and a perf event program runs to its end in microseconds. When even that does not make room,
 * the new file gets no rows (its code unwinds with frame pointers) and is counted; it is tried
 * again once no process holds it.
 */
public final class UnwindTables {

    /** How long rows nobody holds stay untouched before they are reused (a program's run is microseconds). */
    static final long GRACE_NANOS = 1_000_000_000L;

    private static final long PAGE_MASK = ~0xfffL;
    /** Files larger than this are not read for tables. */
    private static final long MAX_FILE_BYTES = 4L << 30;

    /** What a file contributes to the processes that map it. */
    record Loaded(int rowStart, int rowCount, List<ElfSections.Segment> segments) {
        static final Loaded NONE = new Loaded(0, 0, List.of());

        /** runtime address - link-time address for this mapping of the file. */
        long bias(MemoryMapping mapping) {
            for (ElfSections.Segment segment : segments) {
                long first = segment.fileOffset() & PAGE_MASK;
                if (mapping.fileOffset() >= first && mapping.fileOffset() < segment.fileOffset() + segment.fileSize()) {
                    return mapping.start() - mapping.fileOffset() + segment.fileOffset() - segment.virtualAddress();
                }
            }
            return mapping.start() - mapping.fileOffset();
        }
    }

    /**
     * One process's hold on a file: {@code file} is null when nothing was remembered (no way led
     * to the file), and then there is nothing to release.
     */
    record Lease(FileIdentity file, Loaded loaded) {}

    /** One file's table as built: for the benchmark and the docs. */
    public record FileStats(String path, int rows, int fdes, int unsupportedRows, long buildNanos) {}

    /**
     * Figures over the tables' life.
     *
     * @param files        files remembered now (with rows, without usable tables, or refused)
     * @param rowsUsed     rows taken now
     * @param rowBytes     their bytes
     * @param filesRefused builds that found no room
     * @param unreachable  loads that found no way to the file
     * @param filesFreed   files whose rows were given back for another's
     * @param rowsFreed    the rows they gave back
     * @param builtFiles   every table built
     */
    public record Stats(
            int files,
            long rowsUsed,
            long rowBytes,
            int filesRefused,
            long unreachable,
            long filesFreed,
            long rowsFreed,
            List<FileStats> builtFiles) {}

    /** A remembered file: its rows, how many processes hold it, and since when nobody does. */
    private static final class Entry {
        final Loaded loaded;
        final boolean refused;
        int holders;
        long unusedSince;

        Entry(Loaded loaded, boolean refused) {
            this.loaded = loaded;
            this.refused = refused;
        }
    }

    private final MemorySegment rows;
    private final RowAllocator allocator;
    private final LongSupplier nanoTime;
    /** In the order the files were last released: the longest unused come first. */
    private final Map<FileIdentity, Entry> loaded = new LinkedHashMap<>();

    private final List<FileStats> built = new ArrayList<>();
    private int refused;
    /** Loads that found no way to the file (its process gone): not remembered, tried again. */
    private long unreachable;

    private long filesFreed;
    private long rowsFreed;

    UnwindTables(MemorySegment rows) {
        this(rows, System::nanoTime);
    }

    UnwindTables(MemorySegment rows, LongSupplier nanoTime) {
        this.rows = rows;
        this.allocator = new RowAllocator((int) (rows.byteSize() / UnwindRowLayout.BYTES));
        this.nanoTime = nanoTime;
    }

    /**
     * The file's rows for one more process that maps it, built and written on its first mapping;
     * NONE when it cannot be read. What is remembered is what the file is: its rows, or that it
     * has none that can be used. When no candidate leads to the file any more (the process that
     * maps it exited, or exec'd, before it was opened: it is often a short-lived one that first
     * brings libc) nothing is remembered, and the next process that maps the file reads it:
     * remembered as NONE, every process's stacks would stop at their first frame in that file.
     */
    synchronized Lease acquire(FileIdentity identity, List<Path> candidates) {
        Entry known = loaded.get(identity);
        if (known == null) {
            known = read(candidates);
            if (known == null) {
                unreachable++;
                return new Lease(null, Loaded.NONE);
            }
            loaded.put(identity, known);
        }
        known.holders++;
        return new Lease(identity, known.loaded);
    }

    /** One process that held the file no longer does (it exited, or was read again). */
    synchronized void release(FileIdentity identity) {
        Entry entry = loaded.get(identity);
        if (entry == null || entry.holders == 0) {
            throw new IllegalStateException(identity + " is not held");
        }
        if (--entry.holders > 0) {
            return;
        }
        if (entry.refused) {
            loaded.remove(identity); // no rows: the next process that maps it tries again
            return;
        }
        entry.unusedSince = nanoTime.getAsLong();
        loaded.remove(identity); // re-inserted last: the map stays in release order
        loaded.put(identity, entry);
    }

    /** The file's entry read through the first candidate that leads to it; null when none does. */
    private Entry read(List<Path> candidates) {
        for (Path candidate : candidates) {
            FileChannel channel;
            try {
                if (!Files.isRegularFile(candidate)) {
                    continue;
                }
                channel = FileChannel.open(candidate, StandardOpenOption.READ);
            } catch (IOException | RuntimeException e) {
                continue; // gone with its process: try the next way to the file
            }
            try (channel) {
                return build(channel, candidate);
            } catch (IOException | RuntimeException e) {
                // The file itself (too large, not ELF, tables the parser refuses): frame pointers.
                return new Entry(Loaded.NONE, false);
            }
        }
        return null;
    }

    private Entry build(FileChannel channel, Path file) throws IOException {
        if (channel.size() > MAX_FILE_BYTES) {
            throw new IOException(file + ": larger than " + MAX_FILE_BYTES + " bytes");
        }
        long start = System.nanoTime();
        List<ElfSections.Segment> segments =
                ElfSections.read(channel, file.toString()).segments();
        UnwindTable table = UnwindTableBuilder.build(channel, file.toString());
        int count = table.rows().size();
        if (count == 0) {
            return new Entry(new Loaded(0, 0, segments), false);
        }
        OptionalInt allocated = allocate(count);
        if (allocated.isEmpty()) {
            refused++;
            return new Entry(new Loaded(0, 0, segments), true);
        }
        int first = allocated.getAsInt();
        for (int i = 0; i < count; i++) {
            UnwindRowLayout.write(rows, first + i, table.rows().get(i));
        }
        built.add(new FileStats(file.toString(), count, table.fdes(), table.unsupported(), System.nanoTime() - start));
        return new Entry(new Loaded(first, count, segments), false);
    }

    /** Free rows for a table, giving back those of the files unused longest (past the grace) if needed. */
    private OptionalInt allocate(int count) {
        OptionalInt allocated = allocator.allocate(count);
        long now = nanoTime.getAsLong();
        for (var it = loaded.entrySet().iterator(); allocated.isEmpty() && it.hasNext(); ) {
            Entry entry = it.next().getValue();
            if (entry.holders > 0 || entry.loaded.rowCount() == 0 || now - entry.unusedSince < GRACE_NANOS) {
                continue;
            }
            it.remove();
            allocator.free(entry.loaded.rowStart(), entry.loaded.rowCount());
            filesFreed++;
            rowsFreed += entry.loaded.rowCount();
            allocated = allocator.allocate(count);
        }
        return allocated;
    }

    public synchronized Stats stats() {
        long used = allocator.used();
        return new Stats(
                loaded.size(),
                used,
                used * UnwindRowLayout.BYTES,
                refused,
                unreachable,
                filesFreed,
                rowsFreed,
                List.copyOf(built));
    }

    /** Unmaps the rows (the map itself belongs to the sampler's object). */
    synchronized void close() {
        Libc.unmap(rows);
    }
}
