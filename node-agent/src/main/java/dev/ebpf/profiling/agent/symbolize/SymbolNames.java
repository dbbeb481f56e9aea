package dev.ebpf.profiling.agent.symbolize;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Many symbol names in one byte array (UTF-8, one after the other) with their start offsets, so a
 * table of a hundred thousand names costs their bytes plus four bytes each, not a String and a
 * byte array each (about 40 bytes of headers and references per name). A name becomes a String
 * only when a frame is reported with it.
 */
final class SymbolNames {

    static final SymbolNames EMPTY = new Builder(0).build();

    private final byte[] bytes;
    /** Where name i starts; name i ends where name i + 1 starts (one more entry than names). */
    private final int[] starts;
    /** Open-addressing hash table of name index + 1 (0: empty), built on the first {@link #indexOf}. */
    private volatile int[] byName;

    private SymbolNames(byte[] bytes, int[] starts) {
        this.bytes = bytes;
        this.starts = starts;
    }

    int size() {
        return starts.length - 1;
    }

    String get(int index) {
        return new String(bytes, starts[index], starts[index + 1] - starts[index], StandardCharsets.UTF_8);
    }

    /** Whether name {@code index} starts with the byte {@code first}. */
    boolean startsWith(int index, byte first) {
        return starts[index] < starts[index + 1] && bytes[starts[index]] == first;
    }

    /** The same names in another order: name i of the result is name {@code order[i]} of this. */
    SymbolNames reordered(int[] order) {
        Builder builder = new Builder(order.length);
        for (int index : order) {
            builder.add(bytes, starts[index], starts[index + 1]);
        }
        return builder.build();
    }

    /** Whether name {@code index} is {@code name} (as UTF-8 bytes), without decoding it. */
    boolean equalsAt(int index, byte[] name) {
        return Arrays.equals(bytes, starts[index], starts[index + 1], name, 0, name.length);
    }

    /**
     * The index of the first name equal to {@code name}, or -1. The first call builds a hash
     * table of the names (four bytes for each of twice as many slots as names, or more).
     */
    int indexOf(byte[] name) {
        int[] table = byName;
        if (table == null) {
            table = hashTable();
            byName = table;
        }
        int mask = table.length - 1;
        for (int slot = hash(name, 0, name.length) & mask; table[slot] != 0; slot = (slot + 1) & mask) {
            if (equalsAt(table[slot] - 1, name)) {
                return table[slot] - 1;
            }
        }
        return -1;
    }

    private int[] hashTable() {
        int[] table = new int[Integer.highestOneBit(Math.max(1, size()) * 2) * 2];
        int mask = table.length - 1;
        for (int i = 0; i < size(); i++) {
            int slot = hash(bytes, starts[i], starts[i + 1]) & mask;
            boolean known = false;
            while (table[slot] != 0 && !known) {
                int other = table[slot] - 1;
                known = Arrays.equals(bytes, starts[other], starts[other + 1], bytes, starts[i], starts[i + 1]);
                slot = known ? slot : (slot + 1) & mask;
            }
            if (!known) {
                table[slot] = i + 1; // the first of equal names stays
            }
        }
        return table;
    }

    private static int hash(byte[] array, int from, int to) {
        int hash = 1;
        for (int i = from; i < to; i++) {
            hash = 31 * hash + array[i];
        }
        return hash ^ (hash >>> 16);
    }

    /** The heap bytes of the names (both arrays), for benchmarks. */
    long heapBytes() {
        int[] table = byName;
        return ((16L + bytes.length + 7) & ~7L)
                + ((16L + 4L * starts.length + 7) & ~7L)
                + (table == null ? 0 : 16L + 4L * table.length);
    }

    /** Names appended in order; index i is the i-th appended. */
    static final class Builder {
        private byte[] bytes;
        private int[] starts;
        private int count;
        private int length;

        Builder(int expectedNames) {
            bytes = new byte[Math.max(16, expectedNames * 24)];
            starts = new int[expectedNames + 1];
        }

        Builder add(String name) {
            return add(name.getBytes(StandardCharsets.UTF_8));
        }

        Builder add(byte[] name) {
            return add(name, 0, name.length);
        }

        /** Adds the name in bytes {@code from} (inclusive) to {@code to} (exclusive) of {@code text}. */
        Builder add(byte[] text, int from, int to) {
            int size = to - from;
            if (length + size > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + size));
            }
            System.arraycopy(text, from, bytes, length, size);
            if (count + 2 > starts.length) {
                starts = Arrays.copyOf(starts, Math.max(starts.length * 2, count + 2));
            }
            starts[count] = length;
            length += size;
            count++;
            starts[count] = length;
            return this;
        }

        SymbolNames build() {
            int[] exactStarts = Arrays.copyOf(starts, count + 1);
            exactStarts[count] = length;
            return new SymbolNames(Arrays.copyOf(bytes, length), exactStarts);
        }
    }
}
