package dev.ebpf.profiling.agent.sampler;

import dev.ebpf.profiling.agent.testsupport.StartedProcesses;
import java.io.IOException;

/**
 * Real processes that spend their time off the CPU in known ways, for off-CPU sampler tests.
 * Closing kills them all (and closes the pipes they read).
 */
final class OffCpuProcesses implements AutoCloseable {

    private final StartedProcesses processes = new StartedProcesses();

    /** A shell blocked reading its stdin, a pipe nobody writes to (interruptible sleep in pipe_read). */
    Process pipeReader() throws IOException {
        return start("sh", "-c", "read line");
    }

    /** sleep(1) in one long nanosleep. */
    Process sleeper(int cpu) throws IOException {
        return cpu >= 0 ? start("taskset", "-c", Integer.toString(cpu), "sleep", "30") : start("sleep", "30");
    }

    /** A process that sleeps {@code micros} at a time, over and over (perl's select(2) timeout). */
    Process shortSleeper(int micros) throws IOException {
        return start("perl", "-e", "select(undef, undef, undef, " + micros / 1e6 + ") while 1");
    }

    Process start(String... command) throws IOException {
        // stdin stays an open pipe that is never written, so a reader of it blocks for good.
        return processes.add(new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start());
    }

    @Override
    public void close() {
        processes.close();
    }
}
