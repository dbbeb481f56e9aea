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

    /** Whether name {@code index} is {@code name} (as UTF-8 bytes), without decoding it. */
    boolean equalsAt(int index, byte[] name) {
        return Arrays.equals(bytes, starts[index], starts[index + 1], name, 0, name.length);
    }

    /** Compares name {@code a} with name {@code b} byte by byte (unsigned: the order of their code points). */
    int compare(int a, int b) {
        return Arrays.compareUnsigned(bytes, starts[a], starts[a + 1], bytes, starts[b], starts[b + 1]);
    }

    /** Compares name {@code index} with {@code name}, as {@link #compare}. */
    int compareTo(int index, byte[] name) {
        return Arrays.compareUnsigned(bytes, starts[index], starts[index + 1], name, 0, name.length);
    }

    /** The heap bytes of the names (both arrays), for benchmarks. */
    long heapBytes() {
        return 16L + bytes.length + 16L + 4L * starts.length;
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
            if (length + name.length > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + name.length));
            }
            System.arraycopy(name, 0, bytes, length, name.length);
            if (count + 2 > starts.length) {
                starts = Arrays.copyOf(starts, Math.max(starts.length * 2, count + 2));
            }
            starts[count] = length;
            length += name.length;
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
