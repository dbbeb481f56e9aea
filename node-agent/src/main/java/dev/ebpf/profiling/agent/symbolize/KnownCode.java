package dev.ebpf.profiling.agent.symbolize;

import java.util.Arrays;
import java.util.List;

/**
 * Where a process is known to have had executable code: its mappings at slice end, and those the
 * kernel's records showed it map since its last exec or since tracking began (the records never
 * show an unmap, so they hold code unmapped since: freed JIT code, a library closed). A return
 * address outside all of them and outside its JIT map is no code: a walk read data as a frame.
 * {@link #UNKNOWN} when some mappings may be missing (maps unreadable or empty, mmap records
 * lost): then no address is judged.
 */
record KnownCode(List<ProcessMaps> maps) {

    static final KnownCode UNKNOWN = new KnownCode(List.of());

    /**
     * The code of these mappings (the maps read at slice end, the tracked ones; null for none);
     * UNKNOWN when none holds a mapping.
     */
    static KnownCode of(ProcessMaps... known) {
        List<ProcessMaps> maps = Arrays.stream(known)
                .filter(each -> each != null && !each.mappings().isEmpty())
                .toList();
        return maps.isEmpty() ? UNKNOWN : new KnownCode(maps);
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
