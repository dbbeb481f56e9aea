package dev.ebpf.profiling.agent.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs on a directory tree in a temp dir: its inodes stand in for cgroup ids. */
class CgroupResolverTest {

    /** A clock the test moves by hand. */
    static final class ManualClock implements InstantSource {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }
    }

    @TempDir
    Path mountDir;

    final ManualClock clock = new ManualClock();
    CgroupResolver resolver;

    @BeforeEach
    void tree() throws IOException {
        Files.createDirectories(mountDir.resolve("system.slice/cron.service"));
        Files.writeString(mountDir.resolve("system.slice/cron.service/cgroup.procs"), "");
        Files.createDirectories(mountDir.resolve("kubepods.slice/kubepods-pod1.slice"));
        resolver = new CgroupResolver(new CgroupMount(mountDir, "/"), clock);
    }

    static long inode(Path dir) throws IOException {
        return (Long) Files.getAttribute(dir, "unix:ino");
    }

    @Test
    void mapsEachDirectoryInodeToItsCgroupPath() throws IOException {
        assertThat(resolver.pathOf(inode(mountDir))).contains("/");
        assertThat(resolver.pathOf(inode(mountDir.resolve("system.slice")))).contains("/system.slice");
        assertThat(resolver.pathOf(inode(mountDir.resolve("system.slice/cron.service"))))
                .contains("/system.slice/cron.service");
        assertThat(resolver.pathOf(inode(mountDir.resolve("kubepods.slice/kubepods-pod1.slice"))))
                .contains("/kubepods.slice/kubepods-pod1.slice");
        assertThat(resolver.scans()).isEqualTo(1);
    }

    @Test
    void filesAreNotCgroups() throws IOException {
        long fileInode = inode(mountDir.resolve("system.slice/cron.service/cgroup.procs"));
        assertThat(resolver.pathOf(fileInode)).isEmpty();
    }

    @Test
    void rescansOnAMissAtMostOncePerSecond() throws IOException {
        resolver.pathOf(inode(mountDir));
        Path created = Files.createDirectories(mountDir.resolve("system.slice/new.service"));
        long id = inode(created);

        clock.advance(Duration.ofMillis(500));
        for (int i = 0; i < 100; i++) {
            assertThat(resolver.pathOf(id)).isEmpty();
            assertThat(resolver.pathOf(999_999_999L + i)).isEmpty();
        }
        assertThat(resolver.scans()).isEqualTo(1);

        clock.advance(Duration.ofMillis(500));
        assertThat(resolver.pathOf(id)).contains("/system.slice/new.service");
        assertThat(resolver.scans()).isEqualTo(2);

        // Known ids never rescan.
        clock.advance(Duration.ofSeconds(5));
        resolver.pathOf(id);
        assertThat(resolver.scans()).isEqualTo(2);
    }

    @Test
    void removedCgroupSurvivesOneMoreScan() throws IOException {
        Path pod = mountDir.resolve("kubepods.slice/kubepods-pod1.slice");
        long id = inode(pod);
        assertThat(resolver.pathOf(id)).isPresent();
        Files.delete(pod);

        clock.advance(Duration.ofSeconds(1));
        assertThat(resolver.pathOf(-1)).isEmpty(); // a miss: second scan, which no longer sees the pod
        assertThat(resolver.pathOf(id)).contains("/kubepods.slice/kubepods-pod1.slice");

        clock.advance(Duration.ofSeconds(1));
        assertThat(resolver.pathOf(-2)).isEmpty(); // third scan: gone for good
        assertThat(resolver.pathOf(id)).isEmpty();
    }

    @Test
    void idOfAcceptsMountPathsAndCgroupPaths() throws IOException {
        long cron = inode(mountDir.resolve("system.slice/cron.service"));
        assertThat(resolver.idOf("/system.slice/cron.service")).isEqualTo(cron);
        assertThat(resolver.idOf("system.slice/cron.service")).isEqualTo(cron);
        assertThat(resolver.idOf("/system.slice/cron.service/")).isEqualTo(cron);
        assertThat(resolver.idOf(mountDir + "/system.slice/cron.service")).isEqualTo(cron);
        assertThat(resolver.idOf("/")).isEqualTo(inode(mountDir));
        assertThat(resolver.idOf(mountDir.toString())).isEqualTo(inode(mountDir));
        // idOf teaches the cache without a walk.
        assertThat(resolver.pathOf(cron)).contains("/system.slice/cron.service");
        assertThat(resolver.scans()).isZero();
    }

    @Test
    void idOfRejectsUnknownPathsAndFilesAndEscapes() {
        assertThatThrownBy(() -> resolver.idOf("/foo"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cgroup /foo does not exist under " + mountDir);
        assertThatThrownBy(() -> resolver.idOf("/system.slice/cron.service/cgroup.procs"))
                .hasMessage("cgroup /system.slice/cron.service/cgroup.procs does not exist under " + mountDir);
        assertThatThrownBy(() -> resolver.idOf("/../..")).hasMessage("cgroup /../.. does not exist under " + mountDir);
    }

    @Test
    void subtreeMountPrefixesItsCgroupRoot() throws IOException {
        CgroupResolver subtree = new CgroupResolver(new CgroupMount(mountDir, "/kubepods.slice"), clock);
        long pod = inode(mountDir.resolve("kubepods.slice/kubepods-pod1.slice"));
        assertThat(subtree.pathOf(inode(mountDir))).contains("/kubepods.slice");
        assertThat(subtree.pathOf(inode(mountDir.resolve("system.slice")))).contains("/kubepods.slice/system.slice");
        assertThat(subtree.idOf("/kubepods.slice/system.slice")).isEqualTo(inode(mountDir.resolve("system.slice")));
        assertThat(subtree.idOf("kubepods.slice/kubepods-pod1.slice")).isEqualTo(pod);
    }

    /** The real hierarchy: its top is the root cgroup, whose id is the mount's inode. */
    @Test
    void resolvesThisMachinesRootCgroup() throws IOException {
        CgroupResolver real = CgroupResolver.forThisMachine();
        long rootId = real.idOf("/");
        assertThat(rootId).isEqualTo(inode(real.mount().directory()));
        assertThat(real.pathOf(rootId)).contains("/");
        long selfId = real.idOf(ProcCgroupFile.read(
                        Path.of("/proc"), (int) ProcessHandle.current().pid())
                .orElseThrow()
                .unifiedPath());
        assertThat(real.pathOf(selfId)).isPresent();
    }
}
