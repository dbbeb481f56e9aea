package dev.ebpf.profiling.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.trigger.Firing;
import dev.ebpf.profiling.agent.trigger.TriggerPhase;
import dev.ebpf.profiling.agent.trigger.TriggerStatus;
import dev.ebpf.profiling.api.ingest.JobKey;
import dev.ebpf.profiling.api.ingest.NodeTriggerReport;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.NodeTriggerState;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The trigger-state reports: sent on firings and phase changes at once, else at most every 30 s. */
class TriggerStateReporterTest {

    private static final String NODE = "node-7";
    private static final JobKey JOB = new JobKey("ops", "sys-spike", "spike-uid", 3);

    private final List<NodeTriggerReport> reports = new ArrayList<>();
    private final TriggerStateSink sink = reports::add;

    private Instant now = Instant.parse("2026-11-26T03:00:00Z");
    private final InstantSource clock = () -> now;

    private static TriggerStatus status(TriggerPhase phase, double value, Instant readAt, long firings) {
        return new TriggerStatus(
                "node-sys", 80, phase, OptionalDouble.of(value), readAt, "", "", firings, Optional.empty());
    }

    private NodeTriggerState stored() {
        NodeTriggerReport report = reports.getLast();
        assertThat(report.job()).isEqualTo(JOB);
        assertThat(report.node()).isEqualTo(NODE);
        assertThat(report.schemaVersion()).isEqualTo(NodeTriggerReport.SCHEMA_VERSION);
        return report.state();
    }

    @Test
    void anUnchangedStateIsRewrittenOnlyAfterTheRefreshPeriod() throws Exception {
        TriggerStateReporter reporter = new TriggerStateReporter(sink, JOB, NODE, clock, System.out);
        reporter.maybeReport(new TriggerStatus(
                "node-sys", 80, TriggerPhase.ARMED, OptionalDouble.empty(), null, "", "", 0, Optional.empty()));
        assertThat(reports).as("nothing read yet").isEmpty();

        reporter.maybeReport(status(TriggerPhase.ARMED, 12, now, 0));
        assertThat(stored().value()).isEqualTo(12.0);
        assertThat(stored().phase()).isEqualTo("Armed");

        now = now.plusSeconds(NodeTriggerState.REFRESH_SECONDS - 1);
        reporter.maybeReport(status(TriggerPhase.ARMED, 14, now, 0));
        assertThat(stored().value()).as("refreshed too soon").isEqualTo(12.0);

        reporter.maybeReport(status(TriggerPhase.ABOVE_THRESHOLD, 85, now, 0));
        assertThat(stored().phase()).as("a new phase is written at once").isEqualTo("AboveThreshold");

        now = now.plusSeconds(NodeTriggerState.REFRESH_SECONDS);
        reporter.maybeReport(status(TriggerPhase.ABOVE_THRESHOLD, 86, now, 0));
        assertThat(stored().value()).isEqualTo(86.0);
        assertThat(stored().readAt()).isEqualTo(now);
    }

    @Test
    void firingsAreWrittenAtOnceAndOnlyTheLatestAreKept() throws Exception {
        TriggerStateReporter reporter = new TriggerStateReporter(sink, JOB, NODE, clock, System.out);
        int firings = NodeTriggerState.RECENT_FIRINGS + 2;
        for (int i = 0; i < firings; i++) {
            now = now.plus(Duration.ofMinutes(10));
            Firing firing = new Firing(now, 87, now.minusSeconds(5), now.plusSeconds(10), now.plusSeconds(310));
            NodeTriggerState.TriggerFiring reported = reporter.fired(
                    status(TriggerPhase.PROFILING, 87, now, i + 1),
                    firing,
                    AgentContract.jobResultName("sys-spike", now));
            assertThat(reported.message()).isEqualTo("Triggered: node-7 node-sys 87% > 80% for 5s");
        }
        NodeTriggerState state = stored();
        assertThat(state.firings()).isEqualTo(firings);
        assertThat(state.phase()).isEqualTo("Profiling");
        assertThat(state.recent()).hasSize(NodeTriggerState.RECENT_FIRINGS);
        assertThat(state.recent().getLast().at()).isEqualTo(now);
        assertThat(state.recent().getLast().result()).isEqualTo(AgentContract.jobResultName("sys-spike", now));
        assertThat(state.recent().getFirst().at()).isEqualTo(now.minus(Duration.ofMinutes(10L * 9)));
    }

    @Test
    void aFailedReportIsLoggedInOneLineAndRetried() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        TriggerStateSink down = report -> {
            throw new IllegalStateException("operator unreachable");
        };
        TriggerStateReporter reporter =
                new TriggerStateReporter(down, JOB, NODE, clock, new PrintStream(log, true, StandardCharsets.UTF_8));
        reporter.maybeReport(status(TriggerPhase.ARMED, 3, now, 0));
        reporter.maybeReport(status(TriggerPhase.ARMED, 4, now, 0));
        assertThat(log.toString(StandardCharsets.UTF_8).lines())
                .as("not reported, so still due: tried twice")
                .hasSize(2)
                .allSatisfy(line -> assertThat(line)
                        .isEqualTo("cannot report the trigger state of ops/sys-spike (retried): operator unreachable"));
    }
}
