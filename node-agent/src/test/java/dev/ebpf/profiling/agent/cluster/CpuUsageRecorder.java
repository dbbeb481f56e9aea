package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.agent.testsupport.PodCgroups;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads containers' {@code cpu.stat} usage every 20 ms on a thread of its own, so that a test can
 * tell a cgroup's CPU time over any window the agent reports (interpolated between two readings).
 */
final class CpuUsageRecorder implements AutoCloseable {

    private static final long PERIOD_MILLIS = 20;

    private record Reading(Instant at, long usageMicros) {}

    private final Map<PodCgroups.Container, List<Reading>> readings = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean stopping;

    CpuUsageRecorder(List<PodCgroups.Container> containers) {
        containers.forEach(c -> readings.put(c, new ArrayList<>()));
        thread = Thread.ofPlatform().daemon(true).name("cpu-usage-recorder").start(() -> {
            while (!stopping) {
                for (var entry : readings.entrySet()) {
                    long usage = entry.getKey().cpuUsageMicros();
                    Instant at = Instant.now();
                    synchronized (entry.getValue()) {
                        entry.getValue().add(new Reading(at, usage));
                    }
                }
                try {
                    Thread.sleep(PERIOD_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /** CPU seconds the container used between the two instants. */
    double cpuSecondsBetween(PodCgroups.Container container, Instant from, Instant to) {
        return (usageAt(container, to) - usageAt(container, from)) / 1e6;
    }

    private double usageAt(PodCgroups.Container container, Instant at) {
        List<Reading> list = readings.get(container);
        synchronized (list) {
            for (int i = 1; i < list.size(); i++) {
                Reading after = list.get(i);
                if (!after.at().isBefore(at)) {
                    Reading before = list.get(i - 1);
                    double span = micros(after.at()) - micros(before.at());
                    double into = micros(at) - micros(before.at());
                    double fraction = span <= 0 ? 1 : Math.max(0, Math.min(1, into / span));
                    return before.usageMicros() + fraction * (after.usageMicros() - before.usageMicros());
                }
            }
        }
        throw new IllegalStateException("no cpu.stat reading at or after " + at);
    }

    private static double micros(Instant at) {
        return at.getEpochSecond() * 1e6 + at.getNano() / 1e3;
    }

    @Override
    public void close() {
        stopping = true;
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the test is being stopped: leave the flag for it
        }
    }
}
