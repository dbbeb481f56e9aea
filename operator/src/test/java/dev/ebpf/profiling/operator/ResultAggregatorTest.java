package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.Mode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ResultAggregatorTest {

    static final Instant T0 = Instant.parse("2026-01-01T12:00:00Z");
    static final Duration GRACE = Duration.ofSeconds(60);
    static final Set<String> NODES = Set.of("n1", "n2");

    @Test
    void takesTheNewestSliceEveryNodeReported() {
        var choice = ResultAggregator.choose(
                List.of(
                        result("n1", T0),
                        result("n2", T0),
                        result("n1", T0.plusSeconds(300)),
                        result("n2", T0.plusSeconds(300))),
                NODES,
                null,
                0,
                T0.plusSeconds(331),
                GRACE);
        assertThat(choice.slice()).isEqualTo(AgentContract.sliceLabel(T0.plusSeconds(300)));
        assertThat(choice.newSlices()).isEqualTo(2);
        assertThat(choice.missingNodes()).isEmpty();
    }

    @Test
    void waitsForAMissingNodeUntilTheGraceIsOver() {
        var results = List.of(result("n1", T0), result("n2", T0), result("n1", T0.plusSeconds(300)));
        Instant sliceEnd = T0.plusSeconds(330);

        var waiting = ResultAggregator.choose(
                results, NODES, AgentContract.sliceLabel(T0), 2, sliceEnd.plusSeconds(10), GRACE);
        assertThat(waiting.slice()).isNull();
        assertThat(waiting.recheckAfter()).isEqualTo(Duration.ofSeconds(50));

        var late =
                ResultAggregator.choose(results, NODES, AgentContract.sliceLabel(T0), 2, sliceEnd.plus(GRACE), GRACE);
        assertThat(late.slice()).isEqualTo(AgentContract.sliceLabel(T0.plusSeconds(300)));
        assertThat(late.missingNodes()).containsExactly("n2");
        assertThat(late.newSlices()).isEqualTo(1);
    }

    @Test
    void aLateNodeReMergesTheLastSliceWithoutCountingItAgain() {
        var results = List.of(result("n1", T0), result("n2", T0));
        var choice =
                ResultAggregator.choose(results, NODES, AgentContract.sliceLabel(T0), 1, T0.plusSeconds(3600), GRACE);
        assertThat(choice.slice()).isEqualTo(AgentContract.sliceLabel(T0));
        assertThat(choice.newSlices()).isZero();

        var unchanged =
                ResultAggregator.choose(results, NODES, AgentContract.sliceLabel(T0), 2, T0.plusSeconds(3600), GRACE);
        assertThat(unchanged.slice()).isNull();
    }

    @Test
    void inTriggerModeEachNodesWindowIsCompleteAndCountsOnce() {
        Instant n1Fired = T0.plusSeconds(7);
        Instant n2Fired = T0.plusSeconds(13);
        var results = List.of(result("n1", n1Fired), result("n2", n2Fired));
        var first = ResultAggregator.choose(Mode.TRIGGER, results, NODES, null, 0, n2Fired.plusSeconds(30), GRACE);
        assertThat(first.slice()).isEqualTo(AgentContract.sliceLabel(n2Fired));
        assertThat(first.results()).extracting(NodeResult::node).containsExactly("n2");
        assertThat(first.missingNodes()).isEmpty();
        assertThat(first.newSlices()).as("two nodes' windows").isEqualTo(2);
        assertThat(first.recheckAfter()).isNull();

        var unchanged = ResultAggregator.chooseTriggered(results, AgentContract.sliceLabel(n2Fired), 1);
        assertThat(unchanged.slice()).isNull();

        // n1 fired again in the same second as n2: one more window, merged with n2's.
        var sameSecond = ResultAggregator.chooseTriggered(
                List.of(result("n1", n1Fired), result("n2", n2Fired), result("n1", n2Fired)),
                AgentContract.sliceLabel(n2Fired),
                1);
        assertThat(sameSecond.slice()).isEqualTo(AgentContract.sliceLabel(n2Fired));
        assertThat(sameSecond.results()).extracting(NodeResult::node).containsExactlyInAnyOrder("n1", "n2");
        assertThat(sameSecond.newSlices()).isEqualTo(1);
    }

    private static NodeResult result(String node, Instant start) {
        var profile = Cluster.profile(node, start, List.of());
        return new NodeResult(node, "cm-" + node, AgentContract.sliceLabel(start), profile);
    }
}
