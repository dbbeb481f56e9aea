package dev.ebpf.profiling.agent.profile;

import java.time.Duration;
import java.time.Instant;

/**
 * Cuts a run of fixed length into slices: calls {@code cut} at each slice boundary. The samplers
 * count the next slice in the kernel while the cut's analysis runs.
 */
public final class ProfileRun {

    private ProfileRun() {}

    public static void run(Duration duration, Duration slice, Runnable cut) {
        Instant start = Instant.now();
        for (long cutAt : SliceClock.cutOffsets(duration, slice)) {
            Deadlines.sleepUntil(start.plusNanos(cutAt));
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
            cut.run();
        }
    }
}
