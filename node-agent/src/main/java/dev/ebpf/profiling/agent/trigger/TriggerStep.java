package dev.ebpf.profiling.agent.trigger;

/** What one observation changed, so the caller knows when to start or stop profiling. */
public enum TriggerStep {
    /** Nothing to act on. */
    NONE,
    /** The metric stayed above the threshold for long enough: start the profile window now. */
    FIRED,
    /** The profile window is over: stop profiling; the cooldown starts. */
    PROFILING_ENDED,
    /** The cooldown is over: the trigger watches again. */
    REARMED
}
