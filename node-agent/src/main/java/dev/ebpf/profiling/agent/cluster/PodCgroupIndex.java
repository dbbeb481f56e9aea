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
import java.util.HashMap;
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

    /** Cgroup v2 ids of the pod-level cgroups of these pod UIDs; pods without a cgroup here are absent. */
    public Map<String, Long> podCgroupIds(Set<String> podUids) {
        Map<String, Long> ids = new HashMap<>();
        if (podUids.isEmpty()) {
            return ids;
        }
        try {
            Files.walkFileTree(mount.directory(), new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path directory, BasicFileAttributes attributes)
                        throws IOException {
                    Workload workload = CgroupPathParser.parse("/" + mount.directory().relativize(directory));
                    if (workload.isPod() && !workload.isContainer() && podUids.contains(workload.podUid())) {
                        ids.putIfAbsent(workload.podUid(),
                                ((Number) Files.getAttribute(directory, "unix:ino")).longValue());
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
        return ids;
    }
}
