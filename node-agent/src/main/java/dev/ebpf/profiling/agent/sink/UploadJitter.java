package dev.ebpf.profiling.agent.sink;

import java.time.Duration;
import java.util.Random;
import java.util.random.RandomGenerator;

/**
 * How long after a slice's end a node starts its upload: uniformly random in {@code [0, window]},
 * so that thousands of nodes whose slices end in the same second spread their puts over the window
 * instead of hitting the store at once.
 */
public final class UploadJitter {

    private final Duration window;
    private final RandomGenerator random;

    public UploadJitter(Duration window, RandomGenerator random) {
        if (window.isNegative()) {
            throw new IllegalArgumentException("the upload jitter must not be negative, got " + window);
        }
        this.window = window;
        this.random = random;
    }

    public UploadJitter(Duration window) {
        this(window, new Random());
    }

    public Duration window() {
        return window;
    }

    /** A delay in {@code [0, window]}, to the millisecond. */
    public Duration next() {
        long millis = window.toMillis();
        return millis == 0 ? Duration.ZERO : Duration.ofMillis(random.nextLong(millis + 1));
    }
}
