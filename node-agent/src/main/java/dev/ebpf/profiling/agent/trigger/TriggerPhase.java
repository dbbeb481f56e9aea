package dev.ebpf.profiling.agent.trigger;

/** Where a trigger is in its cycle: armed, then above for a while, profiling, cooling down, armed. */
public enum TriggerPhase {
    /** Waiting for the metric to go above the threshold. */
    ARMED,
    /** Above the threshold, but not yet for long enough. */
    ABOVE_THRESHOLD,
    /** Fired: the profile window is running. */
    PROFILING,
    /** The window ended; firing again waits until the cooldown has passed. */
    COOLDOWN
}
