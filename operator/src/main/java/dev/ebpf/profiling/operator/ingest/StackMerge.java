package dev.ebpf.profiling.operator.ingest;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Folded stacks of one slice merged over its nodes as reports arrive: counts of equal stacks are
 * summed; beyond {@code cap} distinct stacks the coldest are dropped (and counted), so a slice's
 * memory does not grow with the number of nodes (it holds at most twice the cap between trims). Not thread-safe: its slice's lock guards it.
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
        // Trimmed in steps, not at every stack over the cap: each trim reads every entry. At
        // thousands of nodes each adding stacks of their own, a step of a quarter of the cap
        // trimmed every few hundred reports, under the slice's lock (profiled in the cluster
        // simulator at 5,000 nodes, docs/benchmarks.md); a step of the cap trims a few times a slice.
        if (counts.size() > 2 * cap) {
            trim();
        }
    }

    /**
     * Keeps the {@code cap} hottest stacks, as {@link #hottestFirst} orders them: the cap-th
     * largest count is found on the counts alone; stacks colder than it go, and of those with
     * exactly that count the first by name stay. Only those tied stacks are sorted, by name.
     */
    private void trim() {
        if (cap <= 0) {
            dropped += counts.size();
            counts.clear();
            return;
        }
        long[] sorted =
                counts.values().stream().mapToLong(Long::longValue).sorted().toArray();
        long threshold = sorted[sorted.length - cap];
        int hotter = sorted.length - upperBound(sorted, threshold);
        List<String> tied = new ArrayList<>();
        for (var it = counts.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Long> entry = it.next();
            if (entry.getValue() < threshold) {
                it.remove();
                dropped++;
            } else if (entry.getValue() == threshold) {
                tied.add(entry.getKey());
            }
        }
        int keep = cap - hotter;
        if (tied.size() > keep) {
            tied.sort(null);
            for (String cold : tied.subList(keep, tied.size())) {
                counts.remove(cold);
                dropped++;
            }
        }
    }

    /** The index of the first value above {@code value} in the ascending array. */
    private static int upperBound(long[] ascending, long value) {
        int low = 0;
        int high = ascending.length;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (ascending[mid] <= value) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    /**
     * The merged stacks, at most {@code cap} (the coldest beyond it dropped now), hottest first
     * (ties by name, so equal input gives equal output).
     */
    List<Map.Entry<String, Long>> hottestFirst() {
        if (counts.size() > cap) {
            trim();
        }
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
