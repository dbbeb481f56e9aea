package dev.ebpf.profiling.agent.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The contents of {@code /proc/PID/cgroup}: one {@code hierarchy-id:controllers:path} line per
 * hierarchy. Cgroup v2 has the single line {@code 0::/path}; v1 has one line per mounted
 * hierarchy ({@code 4:cpu,cpuacct:/path}, {@code 1:name=systemd:/path}); hybrid machines have both.
 *
 * @param unifiedPath the v2 path, or null on a v1-only machine
 * @param v1Paths the v1 path of each controller (both "cpu" and "cpuacct" for "cpu,cpuacct";
 *     "name=systemd" for the named systemd hierarchy), in file order
 */
public record ProcCgroupFile(String unifiedPath, Map<String, String> v1Paths) {

    private static final String ROOT = "/";

    /** The v1 hierarchies that follow the workload's own cgroup, most telling first. */
    private static final List<String> WORKLOAD_V1_HIERARCHIES = List.of("name=systemd", "cpu", "cpuacct");

    public ProcCgroupFile {
        v1Paths = Map.copyOf(v1Paths);
    }

    /**
     * Parses the file's text.
     *
     * @throws IllegalArgumentException naming the first line that is not {@code id:controllers:path}
     */
    public static ProcCgroupFile parse(String text) {
        String unified = null;
        Map<String, String> v1 = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] fields = line.split(":", 3);
            if (fields.length != 3
                    || !fields[0].chars().allMatch(Character::isDigit)
                    || fields[0].isEmpty()
                    || !fields[2].startsWith(ROOT)) {
                throw new IllegalArgumentException(
                        "bad /proc/PID/cgroup line '" + line + "': expected hierarchy-id:controllers:/path");
            }
            if (fields[0].equals("0") && fields[1].isEmpty()) {
                unified = fields[2];
            } else {
                for (String controller : fields[1].split(",")) {
                    v1.putIfAbsent(controller, fields[2]);
                }
            }
        }
        return new ProcCgroupFile(unified, v1);
    }

    /**
     * Reads {@code <procRoot>/<pid>/cgroup}; empty when the process is gone or the file cannot be
     * read or parsed (the caller then falls back to what the kernel reported with the sample).
     */
    public static Optional<ProcCgroupFile> read(Path procRoot, int pid) {
        try {
            return Optional.of(parse(
                    Files.readString(procRoot.resolve(Integer.toString(pid)).resolve("cgroup"))));
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * The path that best identifies the workload: the first of v2, v1 {@code name=systemd},
     * {@code cpu}, {@code cpuacct} that names a pod or container; else the first of them that is
     * not the root; else the root. On hybrid machines whose v2 hierarchy is unused (every process
     * at the v2 root), this finds the pod in the v1 hierarchies.
     */
    public String workloadPath() {
        List<String> candidates = Stream.concat(
                        Stream.ofNullable(unifiedPath),
                        WORKLOAD_V1_HIERARCHIES.stream().map(v1Paths::get).filter(p -> p != null))
                .toList();
        return candidates.stream()
                .filter(p -> {
                    Workload workload = CgroupPathParser.parse(p);
                    return workload.isPod() || workload.isContainer();
                })
                .findFirst()
                .or(() -> candidates.stream().filter(p -> !p.equals(ROOT)).findFirst())
                .orElse(ROOT);
    }
}
