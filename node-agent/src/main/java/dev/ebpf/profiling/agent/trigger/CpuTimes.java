package dev.ebpf.profiling.agent.trigger;

/**
 * One {@code cpu} line of /proc/stat: cumulative time per mode, in clock ticks (USER_HZ). The
 * guest columns are left out because the kernel already counts guest time in {@code user}.
 */
public record CpuTimes(long user, long nice, long system, long idle, long iowait, long irq, long softirq, long steal) {

    /** All time that passed on this CPU (or on all CPUs, for the node line). */
    public long total() {
        return user + nice + system + idle + iowait + irq + softirq + steal;
    }

    /** Time not spent idle: iowait is idle time too (the CPU ran nothing). */
    public long busy() {
        return total() - idle - iowait;
    }
}
