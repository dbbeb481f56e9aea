package dev.ebpf.profiling.operator.ingest;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Folded stacks of one slice merged over its nodes as reports arrive: counts of equal stacks are
 * summed; beyond {@code cap} distinct stacks the coldest are dropped (and counted), so a slice's
 * memory does not grow with the number of nodes. Not thread-safe: its slice's lock guards it.
 */
final class StackMerge {

    private final int cap;
    private final Map<String, Long> counts = new HashMap<>();
    private long dropped;

    StackMerge(int cap) {
        this.cap = cap;
    }

    /** Adds a node's stacks; a line break in a stack (it would forge lines) or a count below 1 is skipped. */
    void add(Map<String, Long> stacks) {
        if (stacks == null) {
            return;
        }
        stacks.forEach((stack, count) -> {
            if (stack != null && !stack.isBlank() && stack.indexOf('\n') < 0 && count != null && count > 0) {
                counts.merge(stack, count, Long::sum);
            }
        });
        // Trimmed in steps, not at every stack over the cap: sorting is the cost.
        if (counts.size() > cap + cap / 4) {
            List<Map.Entry<String, Long>> entries = hottestFirst();
            for (Map.Entry<String, Long> cold : entries.subList(cap, entries.size())) {
                counts.remove(cold.getKey());
                dropped++;
            }
        }
    }

    /** The merged stacks, hottest first (ties by name, so equal input gives equal output). */
    List<Map.Entry<String, Long>> hottestFirst() {
        List<Map.Entry<String, Long>> entries = new ArrayList<>(counts.entrySet());
        entries.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                .thenComparing(Map.Entry.comparingByKey()));
        return entries;
    }

    boolean isEmpty() {
        return counts.isEmpty();
    }

    /** Distinct stacks dropped by the cap. */
    long dropped() {
        return dropped;
    }
}
