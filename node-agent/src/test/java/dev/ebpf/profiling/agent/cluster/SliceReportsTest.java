package dev.ebpf.profiling.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.symbolize.SymbolizedStack;
import dev.ebpf.profiling.api.ingest.IngestContract;
import dev.ebpf.profiling.api.profile.Frame;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The stacks of a report: hottest first, at most IngestContract.MAX_STACKS_PER_REPORT, the rest counted. */
class SliceReportsTest {

    @Test
    void keepsTheHottestStacksUpToTheCapAndCountsTheRest() {
        List<SymbolizedStack> stacks = new ArrayList<>();
        int total = IngestContract.MAX_STACKS_PER_REPORT + 25;
        for (int i = 0; i < total; i++) {
            stacks.add(
                    new SymbolizedStack(1, "app", List.of(new Frame("f" + i, "app", Frame.Origin.EXECUTABLE)), i + 1));
        }
        stacks.add(new SymbolizedStack(
                2, "app", List.of(new Frame("f" + (total - 1), "app", Frame.Origin.EXECUTABLE)), 1000));

        SliceReports.Capped capped = SliceReports.capped(stacks);
        assertThat(capped.stacks()).hasSize(IngestContract.MAX_STACKS_PER_REPORT);
        assertThat(capped.dropped()).isEqualTo(25);
        // Identical stacks are merged, and the hottest comes first.
        assertThat(capped.stacks().entrySet().iterator().next().getValue()).isEqualTo(1000L + total);
        List<Long> counts = List.copyOf(capped.stacks().values());
        for (int i = 1; i < counts.size(); i++) {
            assertThat(counts.get(i)).isLessThanOrEqualTo(counts.get(i - 1));
        }
        // The coldest (counts 1..25) are the ones dropped.
        assertThat(capped.stacks().values())
                .allSatisfy(count -> assertThat(count).isGreaterThan(25));
    }
}
