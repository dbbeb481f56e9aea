package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.agent.cgroup.CgroupMount;
import dev.ebpf.profiling.agent.cgroup.CgroupPathParser;
import dev.ebpf.profiling.agent.cgroup.Workload;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the cgroup of each pod on this node by its UID, so the in-kernel filter can admit exactly
 * the selected pods (a pod's cgroup admits its containers, which are its descendants).
 */
public final class PodCgroupIndex {

    private final CgroupMount mount;

    public PodCgroupIndex(CgroupMount mount) {
        this.mount = mount;
    }

    /** The cgroup ids of cgroup v2 directories (what the in-kernel filter admits). */
    public static Set<Long> cgroupIds(Collection<Path> directories) {
        Set<Long> ids = new HashSet<>();
        directories.forEach(directory -> ids.add(inode(directory)));
        return ids;
    }

    /** The pod-level cgroup directories of these pod UIDs that have one here. */
    public List<Path> podCgroupDirectories(Set<String> podUids) {
        return List.copyOf(podCgroups(podUids).values());
    }

    /** Cgroup v2 ids of the pod-level cgroups of these pod UIDs; pods without a cgroup here are absent. */
    public Map<String, Long> podCgroupIds(Set<String> podUids) {
        Map<String, Long> ids = new HashMap<>();
        podCgroups(podUids).forEach((uid, directory) -> ids.put(uid, inode(directory)));
        return ids;
    }

    /** The pod-level cgroup directory of each of these pod UIDs that has one here. */
    private Map<String, Path> podCgroups(Set<String> podUids) {
        Map<String, Path> directories = new HashMap<>();
        if (podUids.isEmpty()) {
            return directories;
        }
        try {
            Files.walkFileTree(mount.directory(), new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path directory, BasicFileAttributes attributes)
                        throws IOException {
                    Workload workload =
                            CgroupPathParser.parse("/" + mount.directory().relativize(directory));
                    if (workload.isPod() && !workload.isContainer() && podUids.contains(workload.podUid())) {
                        directories.putIfAbsent(workload.podUid(), directory);
                        // Its children are the pod's containers: nothing more to find below.
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    // A cgroup removed during the walk; the next slice looks again.
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException("cannot walk " + mount.directory() + ": " + e.getMessage(), e);
        }
        return directories;
    }

    /** A cgroup v2 directory's inode number is the cgroup id the kernel reports. */
    private static long inode(Path directory) {
        try {
            return ((Number) Files.getAttribute(directory, "unix:ino")).longValue();
        } catch (IOException e) {
            return -1; // removed since the walk: an id no task has
        }
    }
}
