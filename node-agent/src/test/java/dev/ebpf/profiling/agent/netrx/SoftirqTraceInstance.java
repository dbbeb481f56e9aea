package dev.ebpf.profiling.agent.netrx;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A private ftrace instance (its own buffer, so other tracing on the machine is untouched)
 * recording irq:softirq_entry/exit of one vector: an independent measure of softirq time.
 */
final class SoftirqTraceInstance implements AutoCloseable {

    private static final Path INSTANCES = Path.of("/sys/kernel/tracing/instances");
    /** "  iperf3-1234  [001] ..s1. 12345.678901: softirq_entry: vec=3 [action=NET_RX]" */
    private static final Pattern EVENT =
            Pattern.compile("\\[(\\d+)]\\s+\\S+\\s+(\\d+)\\.(\\d{6}): softirq_(entry|exit): vec=(\\d+)");

    private final Path dir;

    SoftirqTraceInstance(int vector, int bufferKbPerCpu) throws IOException {
        dir = INSTANCES.resolve("netrx-test-" + ProcessHandle.current().pid());
        Files.createDirectories(dir);
        write("buffer_size_kb", Integer.toString(bufferKbPerCpu));
        write("trace_clock", "mono");
        for (String event : List.of("softirq_entry", "softirq_exit")) {
            write("events/irq/" + event + "/filter", "vec == " + vector);
        }
    }

    void start() throws IOException {
        write("trace", "");
        for (String event : List.of("softirq_entry", "softirq_exit")) {
            write("events/irq/" + event + "/enable", "1");
        }
    }

    void stop() throws IOException {
        for (String event : List.of("softirq_entry", "softirq_exit")) {
            write("events/irq/" + event + "/enable", "0");
        }
    }

    /** Events the ring buffer dropped; a measurement with any is not complete. */
    long overruns() throws IOException {
        long overruns = 0;
        try (var cpus = Files.list(dir.resolve("per_cpu"))) {
            for (Path cpu : cpus.toList()) {
                for (String line : Files.readAllLines(cpu.resolve("stats"))) {
                    if (line.startsWith("overrun:")) {
                        overruns += Long.parseLong(
                                line.substring("overrun:".length()).strip());
                    }
                }
            }
        }
        return overruns;
    }

    /** Per CPU: {runs, nanoseconds} between each entry and the exit that follows it on that CPU. */
    Map<Integer, long[]> durations() throws IOException {
        Map<Integer, Long> open = new HashMap<>();
        Map<Integer, long[]> perCpu = new HashMap<>();
        try (var lines = Files.lines(dir.resolve("trace"))) {
            lines.forEach(line -> {
                Matcher m = EVENT.matcher(line);
                if (!m.find()) {
                    return;
                }
                int cpu = Integer.parseInt(m.group(1));
                long micros = Long.parseLong(m.group(2)) * 1_000_000 + Long.parseLong(m.group(3));
                if (m.group(4).equals("entry")) {
                    open.put(cpu, micros);
                } else {
                    Long start = open.remove(cpu);
                    if (start != null) {
                        long[] sum = perCpu.computeIfAbsent(cpu, c -> new long[2]);
                        sum[0]++;
                        sum[1] += (micros - start) * 1_000;
                    }
                }
            });
        }
        return perCpu;
    }

    private void write(String file, String value) throws IOException {
        Files.writeString(dir.resolve(file), value);
    }

    @Override
    public void close() {
        try {
            stop();
            Files.delete(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the ftrace instance " + dir, e);
        }
    }
}
