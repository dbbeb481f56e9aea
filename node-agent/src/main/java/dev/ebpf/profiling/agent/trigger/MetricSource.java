package dev.ebpf.profiling.agent.trigger;

import java.util.OptionalDouble;

/**
 * A CPU percentage read from cumulative counters: each {@link #read()} returns the percentage over
 * the time since the previous read, so the caller sets the period by how often it reads (once a
 * second for the trigger).
 */
public interface MetricSource {

    /**
     * Reads the counters now.
     *
     * @return the percentage (0 to 100) since the previous read; empty on the first read, or when
     *         no time passed between two reads
     */
    OptionalDouble read();

    /** What is measured, for Events and the status, e.g. {@code node-sys} or {@code cpu3}. */
    String name();

    /** {@code part} as a percentage of {@code whole}, at most 100; empty if {@code whole} is not positive. */
    static OptionalDouble percent(double part, double whole) {
        if (whole <= 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(Math.min(100.0, 100.0 * Math.max(0, part) / whole));
    }
}
