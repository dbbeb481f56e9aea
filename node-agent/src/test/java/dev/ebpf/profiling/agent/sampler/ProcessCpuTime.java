package dev.ebpf.profiling.agent.sampler;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The CPU time the kernel charged a process (utime + stime of /proc/PID/stat), the sampler's ground truth. */
final class ProcessCpuTime {

    /** USER_HZ, the unit of /proc/PID/stat times, is 100 on Linux. */
    private static final double TICKS_PER_SECOND = 100.0;

    private ProcessCpuTime() {}

    static double seconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        // Fields after the ")" that closes comm: state is field 3, utime 14, stime 15.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long utime = Long.parseLong(fields[11]);
        long stime = Long.parseLong(fields[12]);
        return (utime + stime) / TICKS_PER_SECOND;
    }
}
