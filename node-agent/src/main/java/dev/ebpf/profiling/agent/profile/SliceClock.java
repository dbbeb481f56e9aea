package dev.ebpf.profiling.agent.profile;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Where a run of {@code duration} is cut into slices of {@code slice}: the last slice may be shorter. */
public final class SliceClock {

    private SliceClock() {}

    /** Offsets from the start, in nanoseconds, at which each slice ends. */
    public static List<Long> cutOffsets(Duration duration, Duration slice) {
        long total = duration.toNanos();
        long step = slice.toNanos();
        if (step <= 0 || total <= 0) {
            throw new IllegalArgumentException("duration and slice must be positive");
        }
        List<Long> cuts = new ArrayList<>();
        for (long at = step; at < total; at += step) {
            cuts.add(at);
        }
        cuts.add(total);
        return cuts;
    }
}
