package dev.ebpf.profiling.agent.trigger;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The recent low-rate slices kept while a trigger is armed, so the moments before a firing go into
 * the result. Bounded twice: at most {@code maxSlices} entries, none older than {@code maxAge}
 * (memory stays bounded even if slices arrive faster than planned). Oldest first.
 *
 * <p>Thread-safe: the sampler adds while the trigger poller takes.
 *
 * @param <T> the slice type (the sampler's; this ring only keeps them)
 */
public final class SliceRing<T> {

    private record Entry<T>(Instant at, T slice) {}

    private final int maxSlices;
    private final Duration maxAge;
    private final InstantSource clock;
    private final ArrayDeque<Entry<T>> entries = new ArrayDeque<>();

    public SliceRing(int maxSlices, Duration maxAge, InstantSource clock) {
        if (maxSlices <= 0) {
            throw new IllegalArgumentException("ring size must be positive, got " + maxSlices);
        }
        if (maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("ring max age must be positive, got " + maxAge);
        }
        this.maxSlices = maxSlices;
        this.maxAge = maxAge;
        this.clock = clock;
    }

    /**
     * Keeps a slice, dropping the oldest beyond the bounds.
     *
     * @param at when the slice ended: its age is measured from here
     */
    public synchronized void add(Instant at, T slice) {
        entries.addLast(new Entry<>(at, slice));
        while (entries.size() > maxSlices) {
            entries.removeFirst();
        }
        evictOld();
    }

    /** The slices still within the age bound, oldest first; the ring keeps them. */
    public synchronized List<T> snapshot() {
        evictOld();
        return slices();
    }

    /** The slices still within the age bound, oldest first, and empties the ring (on a firing). */
    public synchronized List<T> takeAll() {
        evictOld();
        List<T> taken = slices();
        entries.clear();
        return taken;
    }

    public synchronized int size() {
        evictOld();
        return entries.size();
    }

    private List<T> slices() {
        List<T> slices = new ArrayList<>(entries.size());
        for (Entry<T> entry : entries) {
            slices.add(entry.slice());
        }
        return slices;
    }

    private void evictOld() {
        Instant oldestAllowed = clock.instant().minus(maxAge);
        while (!entries.isEmpty() && entries.peekFirst().at().isBefore(oldestAllowed)) {
            entries.removeFirst();
        }
    }
}
