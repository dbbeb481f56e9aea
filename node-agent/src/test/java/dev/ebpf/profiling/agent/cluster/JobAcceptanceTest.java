package dev.ebpf.profiling.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.ProfilingJob;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The agent acts on a job only once the operator accepted the spec as it is now. */
class JobAcceptanceTest {

    private static final Instant AT = Instant.parse("2026-12-01T10:00:00Z");

    private static ProfilingJob job(long generation) {
        return TestJobs.job("web", "j", TestJobs.spec(Mode.FILTER, Map.of("app", "web"), "10s"), generation);
    }

    @Test
    void readyTrueAtTheCurrentGenerationIsAccepted() {
        ProfilingJob job = job(3);
        job.setStatus(TestJobs.status(3L, "True", AT));
        assertThat(JobAcceptance.accepted(job)).isTrue();
        assertThat(JobAcceptance.key(job).generation()).isEqualTo(3);
        assertThat(AgentJob.of(job).acceptedAt()).isEqualTo(AT);
    }

    @Test
    void readyForAnOlderGenerationIsNotAccepted() {
        // A tenant edited the spec; the operator has not validated generation 4 yet.
        ProfilingJob job = job(4);
        job.setStatus(TestJobs.status(3L, "True", AT));
        assertThat(JobAcceptance.accepted(job)).isFalse();
    }

    @Test
    void refusedOrUnobservedJobsAreNotAccepted() {
        ProfilingJob refused = job(1);
        refused.setStatus(TestJobs.status(1L, "False", AT));
        assertThat(JobAcceptance.accepted(refused)).isFalse();

        ProfilingJob noStatus = job(1);
        assertThat(JobAcceptance.accepted(noStatus)).isFalse();

        ProfilingJob noGeneration = job(1);
        noGeneration.setStatus(TestJobs.status(null, "True", AT));
        assertThat(JobAcceptance.accepted(noGeneration)).isFalse();

        ProfilingJob noConditions = job(1);
        noConditions.setStatus(TestJobs.status(1L, "True", AT));
        noConditions.getStatus().conditions.clear();
        assertThat(JobAcceptance.accepted(noConditions)).isFalse();
    }
}
