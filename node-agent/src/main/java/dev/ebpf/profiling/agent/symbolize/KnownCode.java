package dev.ebpf.profiling.agent.symbolize;

import java.util.List;

/**
 * Where a process is known to have had executable code during a slice: its mappings at slice end,
 * and those the kernel's records showed it map since tracking began (code unmapped before the
 * slice ended: freed JIT code, a library closed). A return address outside all of them and outside
 * its JIT map is no code: a walk read data as a frame. {@link #UNKNOWN} when some mappings may be
 * missing (maps unreadable, or mmap records lost): then no address is judged.
 */
record KnownCode(List<ProcessMaps> maps) {

    static final KnownCode UNKNOWN = new KnownCode(List.of());

    /** The code of a process whose maps were read at slice end, with its tracked mappings if any. */
    static KnownCode of(ProcessMaps atSliceEnd, ProcessMaps tracked) {
        return tracked == null ? new KnownCode(List.of(atSliceEnd)) : new KnownCode(List.of(atSliceEnd, tracked));
    }

    /** Whether the address is known to lie outside every executable mapping the process had. */
    boolean isNoCode(long address) {
        if (maps.isEmpty()) {
            return false;
        }
        for (ProcessMaps known : maps) {
            if (known.indexOf(address) >= 0) {
                return false;
            }
        }
        return true;
    }
}
