package dev.ebpf.profiling.agent.sampler;

import dev.ebpf.profiling.bpf.BpfContract;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Numbers distinct stacks (arrays of instruction pointers) so that equal stacks share one id:
 * the agent's own stack ids, for stacks it holds outside the kernel's stack-trace maps.
 */
final class StackIds {

    /** long[] compares by identity; this compares by content. */
    private record Frames(long[] ips) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Frames frames && Arrays.equals(ips, frames.ips);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ips);
        }
    }

    private final Map<Frames, Integer> ids = new HashMap<>();
    private final Map<Integer, long[]> stacks = new HashMap<>();
    private int nextId;

    /** The id of these frames, new or existing; null (no stack) gives {@link BpfContract#NO_STACK_ID}. */
    int idOf(long[] frames) {
        if (frames == null) {
            return BpfContract.NO_STACK_ID;
        }
        return ids.computeIfAbsent(new Frames(frames), f -> {
            int id = nextId++;
            stacks.put(id, f.ips());
            return id;
        });
    }

    /** The frames of an id, or null when there is none (no stack, or forgotten). */
    long[] frames(int id) {
        return stacks.get(id);
    }

    /** Every id with its frames. */
    Map<Integer, long[]> stacks() {
        return stacks;
    }

    /** Forgets every stack whose id is not in live. Ids are never reused, so old ids cannot alias. */
    void retainOnly(Set<Integer> live) {
        stacks.keySet().retainAll(live);
        ids.values().retainAll(live);
    }
}
