package dev.ebpf.profiling.agent.unwind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** First fit over free ranges, merged when freed. */
class RowAllocatorTest {

    @Test
    void freedRangesAreReusedAndMergedWithTheirNeighbours() {
        RowAllocator rows = new RowAllocator(100);
        int a = rows.allocate(30).getAsInt();
        int b = rows.allocate(30).getAsInt();
        int c = rows.allocate(30).getAsInt();
        assertThat(new int[] {a, b, c}).containsExactly(0, 30, 60);
        assertThat(rows.allocate(20)).as("10 rows left").isEmpty();

        rows.free(b, 30);
        assertThat(rows.allocate(20).getAsInt()).as("first fit: b's place").isEqualTo(30);
        rows.free(30, 20);
        rows.free(a, 30);
        // a, b and the free rows between merged into one range of 60 at 0.
        assertThat(rows.largestFree()).isEqualTo(60);
        assertThat(rows.allocate(60).getAsInt()).isZero();
        rows.free(c, 30);
        assertThat(rows.used()).isEqualTo(60);
        assertThat(rows.largestFree()).isEqualTo(40);
    }

    @Test
    void rowsFreedTwiceAreRefused() {
        RowAllocator rows = new RowAllocator(10);
        rows.allocate(4);
        rows.free(0, 4);
        assertThatThrownBy(() -> rows.free(2, 2)).isInstanceOf(IllegalStateException.class);
    }
}
