package dev.ebpf.profiling.agent.hotspot;

/** How a task left the CPU: the {@code prev_state} of the sched_switch tracepoint. */
public enum TaskState {
    /** Preempted while runnable (state 0): waiting for a CPU, not blocked. */
    RUNNABLE,
    /** Interruptible sleep, {@code S}: waiting for an event, a signal can wake it. */
    INTERRUPTIBLE,
    /** Uninterruptible sleep, {@code D}: usually waiting for I/O. */
    UNINTERRUPTIBLE,
    /** Anything else (stopped, traced, dead). */
    OTHER;

    private static final long TASK_INTERRUPTIBLE = 0x1;
    private static final long TASK_UNINTERRUPTIBLE = 0x2;
    /**
     * The bits sched_switch reports as states. Above them the kernel sets TASK_REPORT_MAX (0x100
     * on current kernels) for a task preempted while runnable: that is waiting for a CPU too.
     */
    private static final long REPORTED_STATES = 0xff;
    /** TASK_REPORT_IDLE: an idle kernel thread (ps shows I), asleep like S. */
    private static final long TASK_REPORT_IDLE = 0x80;

    /** The state from the kernel's bits (include/linux/sched.h). */
    public static TaskState fromKernel(long prevState) {
        if ((prevState & REPORTED_STATES) == 0) {
            return RUNNABLE;
        }
        if (prevState == TASK_REPORT_IDLE) {
            return INTERRUPTIBLE;
        }
        if ((prevState & TASK_UNINTERRUPTIBLE) != 0) {
            return UNINTERRUPTIBLE;
        }
        if ((prevState & TASK_INTERRUPTIBLE) != 0) {
            return INTERRUPTIBLE;
        }
        return OTHER;
    }
}
