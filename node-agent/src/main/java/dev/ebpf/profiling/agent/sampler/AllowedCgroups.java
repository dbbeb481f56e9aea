package dev.ebpf.profiling.agent.sampler;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.ebpf.profiling.agent.bpf.BpfMap;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Set;

/**
 * The in-kernel cgroup filter of a sampler program: its {@code allowed_cgroups} map (cgroup id to
 * 1), which the program checks, with each id's ancestors, before it counts anything.
 */
final class AllowedCgroups {

    private final BpfMap map;
    private Set<Long> ids = Set.of();

    AllowedCgroups(BpfMap map) {
        this.map = map;
    }

    /**
     * Makes the filter admit exactly these cgroups. New ids are added before old ones go, so a
     * cgroup in both sets is never dropped in between.
     */
    void replace(Set<Long> cgroupIds) {
        if (cgroupIds.size() > map.maxEntries()) {
            throw new IllegalArgumentException(
                    "too many cgroups to filter on: " + cgroupIds.size() + " (at most " + map.maxEntries() + ")");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(JAVA_LONG);
            MemorySegment yes = arena.allocate(JAVA_BYTE);
            yes.set(JAVA_BYTE, 0, (byte) 1);
            for (long id : cgroupIds) {
                key.set(JAVA_LONG, 0, id);
                map.update(key, yes, 0);
            }
            for (long id : ids) {
                if (!cgroupIds.contains(id)) {
                    key.set(JAVA_LONG, 0, id);
                    map.delete(key);
                }
            }
        }
        ids = Set.copyOf(cgroupIds);
    }
}
