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
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Each mapped file's unwind table, built once per file identity (device and inode: the same
 * libc in a thousand processes, or in containers sharing an image layer, is read once) and
 * written into the kernel's {@code unwind_rows} array (memory-mapped: no system call per row).
 * Rows are never freed: a node maps a bounded set of distinct binaries, and when the array is
 * full a new file gets no rows (its code unwinds with frame pointers) and is counted.
 */
public final class UnwindTables {

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

    /** One file's table as built: for the benchmark and the docs. */
    public record FileStats(String path, int rows, int fdes, int unsupportedRows, long buildNanos) {}

    /** Figures over the tables' life. */
    public record Stats(
            int files, long rowsUsed, long rowBytes, int filesRefused, long unreachable, List<FileStats> builtFiles) {}

    private final MemorySegment rows;
    private final long capacity;
    private final Map<FileIdentity, Loaded> loaded = new HashMap<>();
    private final List<FileStats> built = new ArrayList<>();
    private long used;
    private int refused;
    /** Loads that found no way to the file (its process gone): not remembered, tried again. */
    private long unreachable;

    UnwindTables(MemorySegment rows) {
        this.rows = rows;
        this.capacity = rows.byteSize() / UnwindRowLayout.BYTES;
    }

    /**
     * The file's rows, built and written on its first mapping; NONE when it cannot be read. What
     * is remembered is what the file is: its rows, or that it has none that can be used. When no
     * candidate leads to the file any more (the process that maps it exited, or exec'd, before it
     * was opened: it is often a short-lived one that first brings libc) nothing is remembered, and
     * the next process that maps the file reads it: remembered as NONE, every process's stacks
     * would stop at their first frame in that file for the unwinder's life.
     */
    synchronized Loaded load(FileIdentity identity, List<Path> candidates) {
        Loaded known = loaded.get(identity);
        if (known != null) {
            return known;
        }
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
            Loaded result;
            try (channel) {
                result = build(channel, candidate);
            } catch (IOException | RuntimeException e) {
                // The file itself (too large, not ELF, tables the parser refuses): frame pointers.
                result = Loaded.NONE;
            }
            loaded.put(identity, result);
            return result;
        }
        unreachable++;
        return Loaded.NONE;
    }

    private Loaded build(FileChannel channel, Path file) throws IOException {
        if (channel.size() > MAX_FILE_BYTES) {
            throw new IOException(file + ": larger than " + MAX_FILE_BYTES + " bytes");
        }
        long start = System.nanoTime();
        List<ElfSections.Segment> segments =
                ElfSections.read(channel, file.toString()).segments();
        UnwindTable table = UnwindTableBuilder.build(channel, file.toString());
        int count = table.rows().size();
        if (used + count > capacity) {
            refused++;
            return new Loaded(0, 0, segments);
        }
        int first = (int) used;
        for (int i = 0; i < count; i++) {
            UnwindRowLayout.write(rows, first + i, table.rows().get(i));
        }
        used += count;
        built.add(new FileStats(file.toString(), count, table.fdes(), table.unsupported(), System.nanoTime() - start));
        return new Loaded(first, count, segments);
    }

    public synchronized Stats stats() {
        return new Stats(loaded.size(), used, used * UnwindRowLayout.BYTES, refused, unreachable, List.copyOf(built));
    }

    /** Unmaps the rows (the map itself belongs to the sampler's object). */
    synchronized void close() {
        Libc.unmap(rows);
    }
}
