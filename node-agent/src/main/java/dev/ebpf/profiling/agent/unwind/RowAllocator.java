package dev.ebpf.profiling.agent.unwind;

import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * Which rows of the kernel's {@code unwind_rows} array are free: a list of free ranges, first fit,
 * a freed range merged with its free neighbours. A file's table needs one contiguous range (the
 * program binary-searches it), so a table larger than every free range is refused even when the
 * free rows add up to enough.
 */
final class RowAllocator {

    /** Free ranges: first row -> row count, never adjacent (merged when freed). */
    private final TreeMap<Integer, Integer> free = new TreeMap<>();

    private final int capacity;
    private long freeRows;

    RowAllocator(int capacity) {
        this.capacity = capacity;
        if (capacity > 0) {
            free.put(0, capacity);
        }
        this.freeRows = capacity;
    }

    /** The first row of {@code count} contiguous free rows, now taken; empty when no free range is that long. */
    OptionalInt allocate(int count) {
        if (count <= 0) {
            throw new IllegalArgumentException("row count " + count);
        }
        Map.Entry<Integer, Integer> fit = free.entrySet().stream()
                .filter(range -> range.getValue() >= count)
                .findFirst()
                .orElse(null);
        if (fit != null) {
            int start = fit.getKey();
            int length = fit.getValue();
            free.remove(start);
            if (length > count) {
                free.put(start + count, length - count);
            }
            freeRows -= count;
            return OptionalInt.of(start);
        }
        return OptionalInt.empty();
    }

    /** Gives back rows {@code [start, start + count)}, which {@link #allocate} had given. */
    void free(int start, int count) {
        if (count <= 0 || start < 0 || start + count > capacity) {
            throw new IllegalArgumentException("rows " + start + "+" + count + " of " + capacity);
        }
        Map.Entry<Integer, Integer> before = free.floorEntry(start);
        Map.Entry<Integer, Integer> after = free.ceilingEntry(start);
        if ((before != null && before.getKey() + before.getValue() > start)
                || (after != null && after.getKey() < start + count)) {
            throw new IllegalStateException("rows " + start + "+" + count + " are already free");
        }
        int mergedStart = start;
        int mergedCount = count;
        if (before != null && before.getKey() + before.getValue() == start) {
            mergedStart = before.getKey();
            mergedCount += before.getValue();
            free.remove(before.getKey());
        }
        if (after != null && after.getKey() == start + count) {
            mergedCount += after.getValue();
            free.remove(after.getKey());
        }
        free.put(mergedStart, mergedCount);
        freeRows += count;
    }

    /** Rows in use. */
    long used() {
        return capacity - freeRows;
    }

    /** The longest table that would fit now. */
    int largestFree() {
        return free.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    }
}
