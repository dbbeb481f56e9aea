package dev.ebpf.profiling.agent.unwind;

import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_CFA_END;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_CFA_NONE;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_CFA_PLT;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_CFA_RBP;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_CFA_RSP;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_RBP_AT_CFA;

/**
 * How to find the caller's frame from a pc on, as the kernel side reads it (struct unwind_row of
 * profiler.h): the CFA from rsp or rbp plus an offset, the return address at CFA - 8, the caller's
 * rbp unchanged or saved at CFA + an offset.
 *
 * @param pc        the first link-time address this row holds for (until the next row)
 * @param cfaType   UNWIND_CFA_*
 * @param cfaOffset added to rsp or rbp
 * @param rbpType   UNWIND_RBP_*
 * @param rbpOffset where rbp was saved, from the CFA (for a PLT row: the rip &amp; 15 threshold)
 */
public record UnwindRow(long pc, int cfaType, int cfaOffset, int rbpType, int rbpOffset) {

    /** Holds from pc on: the program continues with frame pointers (no rule it can follow). */
    static UnwindRow none(long pc) {
        return new UnwindRow(pc, UNWIND_CFA_NONE, 0, 0, 0);
    }

    boolean sameRuleAs(UnwindRow other) {
        return cfaType == other.cfaType
                && cfaOffset == other.cfaOffset
                && rbpType == other.rbpType
                && rbpOffset == other.rbpOffset;
    }

    /** As readelf --debug-dump=frames-interp prints the CFA column: rsp+8, rbp+16, exp, u. */
    String cfaText() {
        return switch (cfaType) {
            case UNWIND_CFA_RSP -> "rsp+" + cfaOffset;
            case UNWIND_CFA_RBP -> "rbp+" + cfaOffset;
            case UNWIND_CFA_PLT -> "plt";
            case UNWIND_CFA_END -> "end";
            default -> "none";
        };
    }

    /** As readelf prints the rbp column: c-16 where it was saved, u otherwise. */
    String rbpText() {
        return rbpType == UNWIND_RBP_AT_CFA ? "c" + rbpOffset : "u";
    }
}
