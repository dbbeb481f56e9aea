package dev.ebpf.profiling.agent.trigger;

/** Where a trigger is in its cycle: armed, then above for a while, profiling, cooling down, armed. */
public enum TriggerPhase {
    /** Waiting for the metric to go above the threshold. */
    ARMED("Armed"),
    /** Above the threshold, but not yet for long enough. */
    ABOVE_THRESHOLD("AboveThreshold"),
    /** Fired: the profile window is running. */
    PROFILING("Profiling"),
    /** The window ended; firing again waits until the cooldown has passed. */
    COOLDOWN("Cooldown");

    private final String label;

    TriggerPhase(String label) {
        this.label = label;
    }

    /** The phase as the trigger-state ConfigMap and the job's status show it, such as {@code AboveThreshold}. */
    public String label() {
        return label;
    }
}
