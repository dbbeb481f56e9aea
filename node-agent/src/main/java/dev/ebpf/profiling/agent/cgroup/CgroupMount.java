package dev.ebpf.profiling.agent.cgroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.BiPredicate;

/**
 * Where the cgroup v2 hierarchy is mounted, read from {@code /proc/self/mountinfo}.
 *
 * @param directory the mount point, e.g. {@code /sys/fs/cgroup} (pure v2) or
 *     {@code /sys/fs/cgroup/unified} (hybrid), prefixed with the host root when given one
 * @param cgroupRoot the cgroup that the mount shows at its top: {@code /}, unless the mount was
 *     made inside a cgroup namespace or bind-mounted from a subtree
 */
public record CgroupMount(Path directory, String cgroupRoot) {

    public static final Path PROC_SELF_MOUNTINFO = Path.of("/proc/self/mountinfo");
    private static final String CGROUP2 = "cgroup2";
    private static final String CGROUP1 = "cgroup";
    private static final String MOUNTINFO_SEPARATOR = "-";

    /** The cgroup2 mount of this machine. */
    public static CgroupMount findUnified() {
        return findUnified(PROC_SELF_MOUNTINFO, Path.of("/"));
    }

    /**
     * The cgroup2 mount listed in {@code mountinfo}, resolved under {@code hostRoot} (the path at
     * which the host's file system is visible, {@code /} unless the agent runs in a container
     * that mounts the host elsewhere). A mount of the whole hierarchy is preferred to a subtree.
     *
     * @throws IllegalStateException when no cgroup2 file system is mounted
     */
    public static CgroupMount findUnified(Path mountinfo, Path hostRoot) {
        String text;
        try {
            text = Files.readString(mountinfo);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + mountinfo + ": " + e.getMessage(), e);
        }
        return parseUnified(text, hostRoot)
                .orElseThrow(() -> new IllegalStateException(
                        "no cgroup2 file system is mounted (none listed in " + mountinfo + ")"));
    }

    static Optional<CgroupMount> parseUnified(String mountinfo, Path hostRoot) {
        return parse(mountinfo, hostRoot, (fsType, superOptions) -> fsType.equals(CGROUP2));
    }

    /**
     * The cgroup v1 hierarchy that carries {@code controller} (e.g. {@code cpu}, mounted at
     * {@code /sys/fs/cgroup/cpu} or {@code /sys/fs/cgroup/cpu,cpuacct}), if one is mounted.
     */
    public static Optional<CgroupMount> findV1(Path mountinfo, Path hostRoot, String controller) {
        try {
            return parseV1(Files.readString(mountinfo), hostRoot, controller);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + mountinfo + ": " + e.getMessage(), e);
        }
    }

    static Optional<CgroupMount> parseV1(String mountinfo, Path hostRoot, String controller) {
        return parse(
                mountinfo,
                hostRoot,
                (fsType, superOptions) -> fsType.equals(CGROUP1)
                        && Arrays.asList(superOptions.split(",")).contains(controller));
    }

    private static Optional<CgroupMount> parse(String mountinfo, Path hostRoot, BiPredicate<String, String> wanted) {
        List<CgroupMount> mounts = new ArrayList<>();
        for (String line : mountinfo.split("\n")) {
            // id parent major:minor root mount-point options [optional fields...] - fstype source super-options
            List<String> fields = Arrays.asList(line.split(" "));
            int separator = fields.indexOf(MOUNTINFO_SEPARATOR);
            if (separator < 6
                    || separator + 3 >= fields.size()
                    || !wanted.test(fields.get(separator + 1), fields.get(separator + 3))) {
                continue;
            }
            String mountPoint = unescape(fields.get(4));
            mounts.add(new CgroupMount(hostRoot.resolve(mountPoint.substring(1)), unescape(fields.get(3))));
        }
        return mounts.stream().min(Comparator.comparing(m -> !m.cgroupRoot().equals("/")));
    }

    /** mountinfo writes space, tab, newline and backslash as octal escapes (\040 ...). */
    private static String unescape(String field) {
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\'
                    && i + 3 < field.length()
                    && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
