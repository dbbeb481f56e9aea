package dev.ebpf.profiling.agent.bpf;

/**
 * Keeps the kernel counting every BPF program's run time and runs (fdinfo's run_time_ns and
 * run_cnt) while open, as {@code kernel.bpf_stats_enabled=1} does, but held by this fd: another
 * process that writes the sysctl back to 0 meanwhile does not stop it. For benchmarks.
 */
public final class RunTimeStats implements AutoCloseable {

    private static final int BPF_STATS_RUN_TIME = 0;
    private final int fd;

    private RunTimeStats(int fd) {
        this.fd = fd;
    }

    public static RunTimeStats enable() {
        try {
            return new RunTimeStats(
                    LibBpf.check((int) LibBpf.ENABLE_STATS.invokeExact(BPF_STATS_RUN_TIME), "BPF_ENABLE_STATS"));
        } catch (Throwable t) {
            throw LibBpf.rethrow(t);
        }
    }

    @Override
    public void close() {
        Libc.close(fd);
    }
}
