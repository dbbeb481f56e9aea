package dev.ebpf.profiling.agent.testsupport;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The processes a test fixture started, killed and reaped together when it closes (even when the
 * test failed), so no busy loop or sleeper outlives its test.
 */
public final class StartedProcesses implements AutoCloseable {

    /** How long closing waits for each killed process to be reaped. */
    private static final long REAP_TIMEOUT_MILLIS = 5_000;

    private final List<Process> processes = new ArrayList<>();

    /** Remembers {@code process} for {@link #close()}; returns it. */
    public synchronized Process add(Process process) {
        processes.add(process);
        return process;
    }

    /** Kills every process, then waits for each to be reaped. */
    @Override
    public void close() {
        List<Process> started;
        synchronized (this) {
            started = List.copyOf(processes);
        }
        for (Process process : started) {
            process.destroyForcibly();
        }
        for (Process process : started) {
            try {
                process.waitFor(REAP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
