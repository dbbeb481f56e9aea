package dev.ebpf.profiling.agent.cgroup;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Maps cgroup v2 ids to paths and back. A cgroup's id is the inode number of its directory in
 * the cgroup2 file system, so the resolver walks the mount once, remembers each directory's
 * inode, and walks again when asked for an id it has not seen: at most once per
 * {@link #MIN_RESCAN_INTERVAL}, so a stream of ids that no longer exist cannot keep it walking.
 *
 * <p>A cgroup removed since the previous walk stays resolvable for one more walk, so samples
 * from a container that exited during the slice keep their pod. Thread-safe.
 */
public final class CgroupResolver implements CgroupPathLookup {

    static final Duration MIN_RESCAN_INTERVAL = Duration.ofSeconds(1);
    private static final String ROOT = "/";

    private final CgroupMount mount;
    private final InstantSource clock;
    private Map<Long, String> current = new HashMap<>();
    private Map<Long, String> previous = Map.of();
    private Instant lastScan;
    private int scans;

    public CgroupResolver(CgroupMount mount, InstantSource clock) {
        this.mount = mount;
        this.clock = clock;
    }

    /** A resolver over this machine's cgroup2 mount. */
    public static CgroupResolver forThisMachine() {
        return new CgroupResolver(CgroupMount.findUnified(), InstantSource.system());
    }

    public CgroupMount mount() {
        return mount;
    }

    @Override
    public synchronized Optional<String> pathOf(long cgroupId) {
        String path = known(cgroupId);
        if (path == null && (lastScan == null || !clock.instant().isBefore(lastScan.plus(MIN_RESCAN_INTERVAL)))) {
            rescan();
            path = known(cgroupId);
        }
        return Optional.ofNullable(path);
    }

    /**
     * The id of a cgroup, given as a path under the mount ({@code /sys/fs/cgroup/unified/x.slice})
     * or as a cgroup path ({@code /x.slice} or {@code x.slice}).
     *
     * @throws IllegalArgumentException {@code cgroup /foo does not exist under /sys/fs/cgroup/unified}
     */
    public synchronized long idOf(String path) {
        Path directory = directoryOf(path);
        try {
            if (directory != null && Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
                long id = inode(directory);
                String cgroupPath = cgroupPath(directory);
                current.put(id, cgroupPath);
                return id;
            }
        } catch (IOException e) {
            // Removed while we looked: same answer as never there.
        }
        throw new IllegalArgumentException("cgroup " + path + " does not exist under " + mount.directory());
    }

    /** How many times the hierarchy has been walked (for tests of the rescan limit). */
    synchronized int scans() {
        return scans;
    }

    private String known(long cgroupId) {
        String path = current.get(cgroupId);
        return path != null ? path : previous.get(cgroupId);
    }

    private void rescan() {
        Map<Long, String> found = new HashMap<>();
        try {
            walk(mount.directory(), found);
        } catch (IOException e) {
            // The mount itself is unreadable: keep what we knew.
            return;
        } finally {
            lastScan = clock.instant();
            scans++;
        }
        previous = current;
        current = found;
    }

    /**
     * Records {@code dir} and its descendants. Each cgroup directory holds a score of control
     * files and usually no child cgroups; kernfs sets a directory's link count to 2 + its number
     * of subdirectories, so leaves are not listed and inner directories are listed only until all
     * their subdirectories were seen. That keeps a walk of thousands of cgroups cheap. (File
     * systems that do not count links, reporting fewer than 2, get a full listing.)
     */
    private void walk(Path dir, Map<Long, String> found) throws IOException {
        Map<String, Object> attributes = Files.readAttributes(dir, "unix:ino,nlink", LinkOption.NOFOLLOW_LINKS);
        found.put((Long) attributes.get("ino"), cgroupPath(dir));
        int links = (Integer) attributes.get("nlink");
        int subdirectories = links >= 2 ? links - 2 : Integer.MAX_VALUE;
        if (subdirectories == 0) {
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            int seen = 0;
            for (Path entry : entries) {
                if (seen == subdirectories) {
                    break;
                }
                if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    seen++;
                    try {
                        walk(entry, found);
                    } catch (IOException e) {
                        // Removed while we walked: cgroups come and go.
                    }
                }
            }
        } catch (IOException | DirectoryIteratorException e) {
            // This directory vanished mid-listing; what was found so far stands.
        }
    }

    private Path directoryOf(String path) {
        String mountDir = mount.directory().toString();
        String relative;
        if (path.equals(mountDir) || path.startsWith(mountDir + "/")) {
            relative = path.substring(mountDir.length());
        } else if (!mount.cgroupRoot().equals(ROOT)
                && (path.equals(mount.cgroupRoot()) || path.startsWith(mount.cgroupRoot() + "/"))) {
            relative = path.substring(mount.cgroupRoot().length());
        } else {
            relative = path;
        }
        Path directory =
                mount.directory().resolve(relative.replaceFirst("^/+", "")).normalize();
        return directory.startsWith(mount.directory()) ? directory : null;
    }

    private String cgroupPath(Path directory) {
        String relative = mount.directory().relativize(directory).toString();
        if (mount.cgroupRoot().equals(ROOT)) {
            return ROOT + relative;
        }
        return relative.isEmpty() ? mount.cgroupRoot() : mount.cgroupRoot() + "/" + relative;
    }

    private static long inode(Path directory) throws IOException {
        return (Long) Files.getAttribute(directory, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    }
}
