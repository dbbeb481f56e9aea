package dev.ebpf.profiling.operator;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Where the simulation JVM's CPU went, by thread pool: the operator's ingest endpoint runs on
 * Quarkus' {@code executor-thread}s, its reconciles on JOSDK's {@code ReconcilerExecutor}s, both
 * HTTP servers (the operator's and the mock API server's) on Vert.x event loops, the simulated
 * agents on the virtual threads' carriers ({@code ForkJoinPool-*}). A snapshot is the CPU time of
 * every live platform thread, summed by its name without the trailing number; a thread that ended
 * between two snapshots is lost, so the figures are a lower bound per pool.
 */
final class ThreadCpu {

    private final Map<String, Long> nanosByPool;
    private final long processNanos;
    private final long wallNanos;

    private ThreadCpu(Map<String, Long> nanosByPool, long processNanos, long wallNanos) {
        this.nanosByPool = nanosByPool;
        this.processNanos = processNanos;
        this.wallNanos = wallNanos;
    }

    static ThreadCpu now() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<String, Long> byPool = new HashMap<>();
        for (long id : threads.getAllThreadIds()) {
            long nanos = threads.getThreadCpuTime(id);
            ThreadInfo info = threads.getThreadInfo(id);
            if (nanos > 0 && info != null) {
                byPool.merge(pool(info.getThreadName()), nanos, Long::sum);
            }
        }
        long process =
                ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                        ? os.getProcessCpuTime()
                        : -1;
        return new ThreadCpu(byPool, process, System.nanoTime());
    }

    /** A thread's pool: its name without trailing digits and separators ({@code executor-thread-12}: {@code executor-thread}). */
    static String pool(String threadName) {
        return threadName.replaceAll("[-#_ ]*\\d+$", "").replaceAll("-\\d+-", "-N-");
    }

    /** CPU seconds per pool since {@code before}, the largest first; the process' total and its share of the wall time. */
    String since(ThreadCpu before) {
        double wall = (wallNanos - before.wallNanos) / 1e9;
        double process = (processNanos - before.processNanos) / 1e9;
        String pools = nanosByPool.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.nanosByPool.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() >= 10_000_000L)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(12)
                .map(e -> String.format("%s %.2f", e.getKey(), e.getValue() / 1e9))
                .collect(Collectors.joining(", "));
        return String.format(
                "%.1f s wall, process CPU %.2f s (%.2f cores); by pool (CPU s): %s",
                wall, process, process / wall, pools);
    }

    /** CPU seconds of the pools whose name starts with the prefix, since {@code before}. */
    double seconds(ThreadCpu before, String prefix) {
        long nanos = 0;
        for (var e : nanosByPool.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                nanos += e.getValue() - before.nanosByPool.getOrDefault(e.getKey(), 0L);
            }
        }
        return nanos / 1e9;
    }
}
