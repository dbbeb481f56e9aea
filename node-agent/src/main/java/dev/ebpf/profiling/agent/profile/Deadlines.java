package dev.ebpf.profiling.agent.profile;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.LockSupport;

/** Sleeping until a slice boundary. */
public final class Deadlines {

    private Deadlines() {}

    /** Parks until {@code deadline} (wall clock); returns early only when the thread is interrupted. */
    public static void sleepUntil(Instant deadline) {
        long remaining;
        while ((remaining = Duration.between(Instant.now(), deadline).toNanos()) > 0) {
            LockSupport.parkNanos(remaining);
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
        }
    }
}
