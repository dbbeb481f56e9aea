package dev.ebpf.profiling.agent.unwind;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemorySegment;

/** struct unwind_row of profiler.h: u64 pc, s32 cfa_offset, s16 rbp_offset, u8 cfa_type, u8 rbp_type. */
final class UnwindRowLayout {

    static final int BYTES = 16;

    private UnwindRowLayout() {}

    static void write(MemorySegment rows, long index, UnwindRow row) {
        long at = index * BYTES;
        rows.set(JAVA_LONG.withByteAlignment(1), at, row.pc());
        rows.set(JAVA_INT.withByteAlignment(1), at + 8, row.cfaOffset());
        rows.set(JAVA_SHORT.withByteAlignment(1), at + 12, (short) row.rbpOffset());
        rows.set(JAVA_BYTE, at + 14, (byte) row.cfaType());
        rows.set(JAVA_BYTE, at + 15, (byte) row.rbpType());
    }
}
