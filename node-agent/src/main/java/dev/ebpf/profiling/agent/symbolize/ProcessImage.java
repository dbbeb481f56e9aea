package dev.ebpf.profiling.agent.symbolize;

import java.nio.file.Path;

/**
 * A process as captured at slice end: its executable mappings, which file is its own executable,
 * and its JIT map; enough to name its frames after it exits.
 *
 * @param tgid       the process id
 * @param maps       its executable mappings
 * @param executable the path /proc/PID/exe points to, as the process sees it
 * @param root       /proc/PID/root: the process's view of the file system (its container's)
 * @param perfMap    its JIT symbols, or {@link PerfMap#NONE}
 */
record ProcessImage(int tgid, ProcessMaps maps, String executable, Path root, PerfMap perfMap) {

    /** A file path as this process sees it, reached through its root. */
    Path throughRoot(String path) {
        return root.resolve(path.startsWith("/") ? path.substring(1) : path);
    }

    boolean isExecutable(MemoryMapping mapping) {
        return mapping.filePath().equals(executable);
    }
}
