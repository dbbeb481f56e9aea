package dev.ebpf.profiling.agent.cluster;

import java.time.Duration;
import java.time.Instant;

/**
 * One profiling window of a cluster job, aligned to the wall clock so that every node's slice of
 * the same window has the same start (and so the same slice label).
 */
public record SliceWindow(Instant start, Instant end) {

    /**
     * The next window starting at or after {@code now}: starts are multiples of {@code period}
     * since the epoch, and each lasts {@code length}.
     */
    public static SliceWindow next(Instant now, Duration period, Duration length) {
        long periodMillis = period.toMillis();
        if (periodMillis <= 0 || length.isNegative() || length.isZero() || length.compareTo(period) > 0) {
            throw new IllegalArgumentException("a window of " + length + " every " + period + " is impossible");
        }
        long nowMillis = now.toEpochMilli();
        long startMillis = Math.ceilDiv(nowMillis, periodMillis) * periodMillis;
        Instant start = Instant.ofEpochMilli(startMillis);
        return new SliceWindow(start, start.plus(length));
    }

    /** The window right after this one, for back-to-back slices. */
    public SliceWindow following() {
        Duration length = Duration.between(start, end);
        return new SliceWindow(end, end.plus(length));
    }
}
