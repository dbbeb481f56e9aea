package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.api.job.Mode;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * A job's slice windows on its own clock, the same on every node: general mode samples for
 * {@code duration} at every multiple of {@code interval} since the epoch (UTC); filter mode runs
 * back-to-back slices starting at multiples of {@code duration}.
 *
 * <p>A job with {@code runs} starts its first slice at once (issue 14): at the first whole second
 * at least {@link #FIRST_SLICE_LEAD} after the operator accepted it (the Ready condition's
 * transition time, which every node reads alike, so all nodes agree on the slice's start). A node
 * that learns of the job up to {@link #LATE_JOIN} after that start still joins that slice (it
 * samples a little less of it); later, it waits for the job's next aligned window. Later slices
 * follow {@code interval} (general) or each other (filter).
 */
final class JobClock {

    /** Time for the agent to hear of the job and start sampling before its first slice. */
    static final Duration FIRST_SLICE_LEAD = Duration.ofSeconds(1);
    /** How late a node may join a slice that has started. */
    static final Duration LATE_JOIN = Duration.ofSeconds(2);
    /** Aligned windows start at least this far ahead, so the samplers can be set up before. */
    static final Duration START_LEAD = Duration.ofMillis(500);

    private JobClock() {}

    static SliceWindow first(AgentJob job, Instant now) {
        if (job.runs() != null) {
            Instant accepted = job.acceptedAt() == null ? now : job.acceptedAt();
            Instant start = ceilToSecond(accepted.plus(FIRST_SLICE_LEAD));
            if (!now.isAfter(start.plus(LATE_JOIN))) {
                return new SliceWindow(start, start.plus(job.duration()));
            }
        }
        return SliceWindow.next(now.plus(START_LEAD), period(job), job.duration());
    }

    static SliceWindow next(AgentJob job, SliceWindow previous, Instant now) {
        if (job.mode() == Mode.FILTER) {
            SliceWindow following =
                    new SliceWindow(previous.end(), previous.end().plus(job.duration()));
            if (!now.isAfter(following.start().plus(LATE_JOIN))) {
                return following;
            }
        }
        Instant from = now.isAfter(previous.end()) ? now.plus(START_LEAD) : previous.end();
        return SliceWindow.next(from, period(job), job.duration());
    }

    private static Duration period(AgentJob job) {
        return job.mode() == Mode.GENERAL && job.interval() != null ? job.interval() : job.duration();
    }

    private static Instant ceilToSecond(Instant instant) {
        Instant truncated = instant.truncatedTo(ChronoUnit.SECONDS);
        return truncated.equals(instant) ? instant : truncated.plusSeconds(1);
    }
}
