package dev.ebpf.profiling.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each job's slices on its own clock; a job with runs starts at once (issue 14). */
class JobClockTest {

    private static final Instant ACCEPTED = Instant.parse("2026-12-01T10:02:17.400Z");

    private static AgentJob job(Mode mode, String duration, String interval, Integer runs) {
        ProfilingJobSpec spec = TestJobs.spec(mode, Map.of("app", "web"), duration);
        spec.interval = interval;
        spec.runs = runs;
        return AgentJob.of(TestJobs.accepted("web", "j", spec, ACCEPTED));
    }

    @Test
    void aJobWithRunsStartsItsFirstSliceAtOnceAndLaterOnesFollowTheInterval() {
        AgentJob job = job(Mode.GENERAL, "30s", "5m", 3);
        Instant seen = ACCEPTED.plusMillis(150); // the watch event arrives
        SliceWindow first = JobClock.first(job, seen);
        assertThat(first.start()).isEqualTo(Instant.parse("2026-12-01T10:02:19Z"));
        assertThat(Duration.between(ACCEPTED, first.start())).isLessThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(first.end()).isEqualTo(first.start().plusSeconds(30));
        // Every node computes the same start from the Ready condition's time, whenever it hears of the job.
        assertThat(JobClock.first(job, ACCEPTED.plusMillis(1900))).isEqualTo(first);

        SliceWindow second = JobClock.next(job, first, first.end());
        assertThat(second.start()).isEqualTo(Instant.parse("2026-12-01T10:05:00Z"));
        assertThat(second.end()).isEqualTo(Instant.parse("2026-12-01T10:05:30Z"));
    }

    @Test
    void aNodeThatHearsOfTheJobTooLateWaitsForTheNextAlignedWindow() {
        AgentJob job = job(Mode.GENERAL, "30s", "5m", 1);
        SliceWindow late = JobClock.first(job, ACCEPTED.plusSeconds(10));
        assertThat(late.start()).isEqualTo(Instant.parse("2026-12-01T10:05:00Z"));
    }

    @Test
    void continuousJobsStartAtTheirAlignedWindows() {
        AgentJob general = job(Mode.GENERAL, "30s", "5m", null);
        assertThat(JobClock.first(general, ACCEPTED).start()).isEqualTo(Instant.parse("2026-12-01T10:05:00Z"));
        AgentJob filter = job(Mode.FILTER, "10s", null, null);
        SliceWindow first = JobClock.first(filter, ACCEPTED);
        assertThat(first.start()).isEqualTo(Instant.parse("2026-12-01T10:02:20Z"));
        // Filter mode: back to back.
        assertThat(JobClock.next(filter, first, first.end())).isEqualTo(first.following());
    }

    @Test
    void aFilterJobWithRunsStartsAtOnceThenBackToBack() {
        AgentJob filter = job(Mode.FILTER, "10s", null, 3);
        SliceWindow first = JobClock.first(filter, ACCEPTED.plusMillis(300));
        assertThat(first.start()).isEqualTo(Instant.parse("2026-12-01T10:02:19Z"));
        SliceWindow second = JobClock.next(filter, first, first.end().plusMillis(40));
        assertThat(second.start()).isEqualTo(first.end());
    }
}
