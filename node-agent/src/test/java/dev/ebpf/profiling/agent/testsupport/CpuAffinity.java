package dev.ebpf.profiling.agent.testsupport;

import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import java.io.IOException;

/**
 * Keeps this test JVM (every thread) on some CPUs for a while, so that a measured busy loop has its
 * CPU to itself: sampling charges the short bursts of other tasks on a shared CPU partly to the
 * busy loop, a bias of a few points that accuracy checks should not depend on. Closing gives the
 * JVM every online CPU again.
 */
public final class CpuAffinity implements AutoCloseable {

    private final String restore;

    private CpuAffinity(String restore) {
        this.restore = restore;
    }

    /** Moves every thread of this JVM to {@code cpus} (a CPU list such as {@code 0}). */
    public static CpuAffinity pinThisJvm(String cpus) {
        String online = OnlineCpus.read().toString();
        set(cpus);
        return new CpuAffinity(online);
    }

    @Override
    public void close() {
        set(restore);
    }

    private static void set(String cpus) {
        long pid = ProcessHandle.current().pid();
        try {
            Process taskset = new ProcessBuilder("taskset", "-a", "-p", "-c", cpus, Long.toString(pid))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (taskset.waitFor() != 0) {
                throw new IllegalStateException("taskset -a -p -c " + cpus + " " + pid + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run taskset: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while setting CPU affinity", e);
        }
    }
}
