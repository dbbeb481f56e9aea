package dev.ebpf.profiling.agent.cpu;

import dev.ebpf.profiling.api.job.CpuList;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads which CPUs the kernel has online. */
public final class OnlineCpus {

    public static final Path SYSFS_ONLINE = Path.of("/sys/devices/system/cpu/online");

    private OnlineCpus() {}

    /** The online CPUs of this machine. */
    public static CpuList read() {
        return read(SYSFS_ONLINE);
    }

    /** The online CPUs listed in {@code file} (same syntax as sysfs, e.g. {@code 0-1}). */
    public static CpuList read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read online CPUs from " + file + ": " + e.getMessage(), e);
        }
        try {
            return CpuList.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(file + " is not a CPU list: " + e.getMessage(), e);
        }
    }
}
