package dev.ebpf.profiling.agent.unwind;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.ebpf.profiling.agent.bpf.StructFields;
import dev.ebpf.profiling.bpf.BpfStructs;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** Writes struct unwind_row of profiler.h (u64 pc, s32 cfa_offset, s16 rbp_offset, u8 cfa_type, u8 rbp_type). */
public final class UnwindRowLayout {

    /** struct unwind_row, generated from the BPF objects. */
    static final StructLayout LAYOUT = BpfStructs.UNWIND_ROW;

    static final long BYTES = LAYOUT.byteSize();

    private static final long PC = StructFields.offset(LAYOUT, "pc", JAVA_LONG);
    private static final long CFA_OFFSET = StructFields.offset(LAYOUT, "cfa_offset", JAVA_INT);
    private static final long RBP_OFFSET = StructFields.offset(LAYOUT, "rbp_offset", JAVA_SHORT);
    private static final long CFA_TYPE = StructFields.offset(LAYOUT, "cfa_type", JAVA_BYTE);
    private static final long RBP_TYPE = StructFields.offset(LAYOUT, "rbp_type", JAVA_BYTE);

    private UnwindRowLayout() {}

    /** Writes row {@code index} of an array of struct unwind_row (the unwind_rows map's memory). */
    public static void write(MemorySegment rows, long index, UnwindRow row) {
        long at = index * BYTES;
        rows.set(JAVA_LONG.withByteAlignment(1), at + PC, row.pc());
        rows.set(JAVA_INT.withByteAlignment(1), at + CFA_OFFSET, row.cfaOffset());
        rows.set(JAVA_SHORT.withByteAlignment(1), at + RBP_OFFSET, (short) row.rbpOffset());
        rows.set(JAVA_BYTE, at + CFA_TYPE, (byte) row.cfaType());
        rows.set(JAVA_BYTE, at + RBP_TYPE, (byte) row.rbpType());
    }
}
