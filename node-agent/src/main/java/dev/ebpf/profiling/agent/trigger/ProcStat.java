package dev.ebpf.profiling.agent.trigger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The CPU lines of one read of /proc/stat: the node-wide {@code cpu} line and each {@code cpuN}.
 *
 * @param node   the sum over all CPUs
 * @param perCpu each online CPU by number, in CPU order
 */
public record ProcStat(CpuTimes node, Map<Integer, CpuTimes> perCpu) {

    public static final Path PROC_STAT = Path.of("/proc/stat");
    /** user nice system idle: what every kernel since 2.4 prints; later columns may be absent. */
    private static final int MIN_COLUMNS = 4;

    public ProcStat {
        perCpu = Collections.unmodifiableSortedMap(new TreeMap<>(perCpu));
    }

    public Optional<CpuTimes> cpu(int cpu) {
        return Optional.ofNullable(perCpu.get(cpu));
    }

    /** Reads and parses a /proc/stat file. */
    public static ProcStat read(Path file) {
        try {
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses /proc/stat text.
     *
     * @param source names the text in error messages
     * @throws IllegalArgumentException naming the line if a cpu line is malformed or the node line is absent
     */
    public static ProcStat parse(String text, String source) {
        CpuTimes node = null;
        Map<Integer, CpuTimes> perCpu = new TreeMap<>();
        int lineNumber = 0;
        for (String line : text.split("\n")) {
            lineNumber++;
            if (!line.startsWith("cpu")) {
                continue;
            }
            String[] fields = line.trim().split("\\s+");
            CpuTimes times = times(fields, source, lineNumber);
            if (fields[0].equals("cpu")) {
                node = times;
            } else {
                perCpu.put(cpuNumber(fields[0], source, lineNumber), times);
            }
        }
        if (node == null) {
            throw new IllegalArgumentException(source + " has no node-wide 'cpu' line");
        }
        return new ProcStat(node, perCpu);
    }

    private static CpuTimes times(String[] fields, String source, int lineNumber) {
        int columns = fields.length - 1;
        if (columns < MIN_COLUMNS) {
            throw new IllegalArgumentException(source + " line " + lineNumber + ": '" + fields[0] + "' has " + columns
                    + " columns, expected at least " + MIN_COLUMNS);
        }
        long[] values = new long[8];
        for (int i = 0; i < values.length && i < columns; i++) {
            try {
                values[i] = Long.parseLong(fields[i + 1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        source + " line " + lineNumber + ": column " + (i + 1) + " of '" + fields[0]
                                + "' is not a number: '" + fields[i + 1] + "'",
                        e);
            }
        }
        return new CpuTimes(values[0], values[1], values[2], values[3], values[4], values[5], values[6], values[7]);
    }

    private static int cpuNumber(String label, String source, int lineNumber) {
        try {
            return Integer.parseInt(label.substring("cpu".length()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + " line " + lineNumber + ": '" + label + "' is not cpu<N>", e);
        }
    }
}
