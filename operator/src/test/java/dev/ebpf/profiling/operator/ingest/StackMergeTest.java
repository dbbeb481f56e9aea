package dev.ebpf.profiling.operator.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StackMergeTest {

    @Test
    void sumsEqualStacksAndSkipsWhatWouldForgeLines() {
        StackMerge merge = new StackMerge(10);
        merge.add(Map.of("a;b", 2L, "a;c", 1L));
        merge.add(Map.of("a;b", 3L, "x\ny", 9L, " ", 4L, "a;d", 0L));
        assertThat(merge.hottestFirst()).containsExactly(Map.entry("a;b", 5L), Map.entry("a;c", 1L));
        assertThat(merge.dropped()).isZero();
    }

    /**
     * Over the cap, what stays is what a full sort (count, then name) keeps: many stacks share a
     * count (as thousands of nodes' own stacks do), so the ties at the cut are decided by name.
     */
    @Test
    void keepsTheHottestByCountThenName() {
        Random random = new Random(7);
        Map<String, Long> all = new HashMap<>();
        StackMerge merge = new StackMerge(100);
        for (int report = 0; report < 19; report++) { // 190 distinct stacks: under twice the cap, trimmed at the end
            Map<String, Long> stacks = new LinkedHashMap<>();
            for (int i = 0; i < 10; i++) {
                stacks.put("s" + random.nextInt(1_000_000), 1L + random.nextInt(4));
            }
            stacks.forEach((k, v) -> all.merge(k, v, Long::sum));
            merge.add(stacks);
        }
        List<Map.Entry<String, Long>> expected = new ArrayList<>(all.entrySet());
        expected.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                .thenComparing(Map.Entry.comparingByKey()));
        assertThat(merge.hottestFirst()).containsExactlyElementsOf(expected.subList(0, 100));
        assertThat(merge.dropped()).isEqualTo(all.size() - 100);
    }

    /** Thousands of nodes, each with stacks of its own: the map stays bounded and every stack is kept or counted. */
    @Test
    void staysBoundedAndCountsWhatItDrops() {
        StackMerge merge = new StackMerge(1_000);
        for (int node = 0; node < 5_000; node++) {
            Map<String, Long> stacks = new HashMap<>();
            stacks.put("common", 10L);
            for (int i = 0; i < 10; i++) {
                stacks.put("node" + node + ";own" + i, 5L);
            }
            merge.add(stacks);
        }
        List<Map.Entry<String, Long>> kept = merge.hottestFirst();
        assertThat(kept).hasSize(1_000);
        assertThat(kept.getFirst()).isEqualTo(Map.entry("common", 50_000L));
        assertThat(kept.size() + merge.dropped()).isEqualTo(1 + 50_000);
    }
}
