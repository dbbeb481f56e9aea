package dev.ebpf.profiling.agent.trigger;

import java.util.List;

/**
 * What the agent does when the trigger moves: start the profile window (with the history from
 * before the firing), stop it, and report. Called on the watcher's thread; keep it short.
 *
 * @param <T> the slice type kept in the pre-trigger ring
 */
public interface TriggerListener<T> {

    /**
     * The trigger fired: profile now until {@code firing.profilingEnds()}.
     *
     * @param metric the watched metric's name, e.g. {@code node-sys}
     * @param before the ring's slices from before the firing, oldest first (the ring is emptied)
     */
    void fired(String metric, Firing firing, List<T> before);

    /** The profile window is over; the cooldown runs until {@code firing.cooldownEnds()}. */
    void profilingEnded(String metric, Firing firing);
}
