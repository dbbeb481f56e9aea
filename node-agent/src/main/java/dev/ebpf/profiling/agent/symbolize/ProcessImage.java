package dev.ebpf.profiling.agent.symbolize;

import java.nio.file.Path;

/**
 * A process as captured at slice end: its executable mappings, which file is its own executable,
 * and its JIT map; enough to name its frames after it exits.
 *
 * @param tgid       the process id
 * @param maps       its executable mappings
 * @param executable the path /proc/PID/exe points to, as the process sees it
 * @param directory  its /proc/PID directory
 * @param perfMap    its JIT symbols, or {@link PerfMap#NONE}
 * @param code       where it is known to have had code, to tell a return address that is none
 */
record ProcessImage(int tgid, ProcessMaps maps, String executable, Path directory, PerfMap perfMap, KnownCode code) {

    /** /proc/PID/root: the process's view of the file system (its container's). */
    static Path root(Path directory) {
        return directory.resolve("root");
    }

    /** A file path as this process sees it, reached through its root. */
    Path throughRoot(String path) {
        return root(directory).resolve(path.startsWith("/") ? path.substring(1) : path);
    }

    /**
     * The file behind a mapping as /proc/PID/map_files holds it open: it reads even when the
     * file was deleted or replaced since (an upgraded binary of a process still running).
     */
    Path mappedFile(MemoryMapping mapping) {
        return directory
                .resolve("map_files")
                .resolve(Long.toHexString(mapping.start()) + "-" + Long.toHexString(mapping.end()));
    }

    boolean isExecutable(MemoryMapping mapping) {
        return mapping.filePath().equals(executable);
    }
}
