package dev.ebpf.profiling.agent.trigger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Reads a cgroup's cumulative CPU time: {@code usage_usec} of {@code cpu.stat} on cgroup v2, or
 * {@code cpuacct.usage} (nanoseconds) on a v1 cpuacct hierarchy.
 */
public final class CgroupCpuUsage {

    static final String V2_FILE = "cpu.stat";
    static final String V1_FILE = "cpuacct.usage";
    private static final String V2_USAGE_KEY = "usage_usec";
    private static final long NANOS_PER_MICRO = 1_000;

    private CgroupCpuUsage() {}

    /**
     * The cgroup's CPU time so far, in nanoseconds.
     *
     * @return empty if the cgroup directory is gone (its pod ended)
     * @throws IllegalStateException if the directory exists but has neither accounting file, or
     *                               the file does not hold a usage number
     */
    public static OptionalLong nanos(Path cgroup) {
        try {
            Path v2 = cgroup.resolve(V2_FILE);
            if (Files.exists(v2)) {
                return OptionalLong.of(usageMicros(Files.readString(v2), v2) * NANOS_PER_MICRO);
            }
            Path v1 = cgroup.resolve(V1_FILE);
            if (Files.exists(v1)) {
                return OptionalLong.of(parse(Files.readString(v1).trim(), v1));
            }
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read CPU usage of cgroup " + cgroup + ": " + e.getMessage(), e);
        }
        if (!Files.isDirectory(cgroup)) {
            return OptionalLong.empty();
        }
        throw new IllegalStateException(
                "cgroup " + cgroup + " has neither " + V2_FILE + " (v2) nor " + V1_FILE + " (v1 cpuacct)");
    }

    private static long usageMicros(String cpuStat, Path file) {
        for (String line : cpuStat.split("\n")) {
            if (line.startsWith(V2_USAGE_KEY + " ")) {
                return parse(line.substring(V2_USAGE_KEY.length()).trim(), file);
            }
        }
        throw new IllegalStateException(file + " has no " + V2_USAGE_KEY + " line");
    }

    private static long parse(String number, Path file) {
        try {
            return Long.parseLong(number);
        } catch (NumberFormatException e) {
            throw new IllegalStateException(file + ": '" + number + "' is not a CPU time", e);
        }
    }
}
