package dev.ebpf.profiling.agent.unwind;

import java.util.List;

/**
 * One file's unwind rows, sorted by pc, in the compact form they take in the kernel (16 bytes a
 * row). Built once per file (see {@link UnwindTables}) whatever the number of processes mapping it.
 *
 * @param rows         sorted by pc, no two with the same pc, none repeating its predecessor's rule
 * @param fdes         the frame descriptions they were made from
 * @param unsupported  rows whose rule the kernel side cannot follow (it continues with frame pointers there)
 */
public record UnwindTable(List<UnwindRow> rows, int fdes, int unsupported) {

    public static final UnwindTable EMPTY = new UnwindTable(List.of(), 0, 0);

    public UnwindTable {
        rows = List.copyOf(rows);
    }

    /** Bytes the rows take in the kernel's map. */
    public long kernelBytes() {
        return (long) rows.size() * UnwindRowLayout.BYTES;
    }

    /** The row that holds a link-time address, or null before the first row. */
    public UnwindRow rowAt(long pc) {
        int low = 0;
        int high = rows.size();
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (Long.compareUnsigned(rows.get(middle).pc(), pc) <= 0) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low == 0 ? null : rows.get(low - 1);
    }
}
