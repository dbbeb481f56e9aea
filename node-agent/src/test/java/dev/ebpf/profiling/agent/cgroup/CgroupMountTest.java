package dev.ebpf.profiling.agent.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CgroupMountTest {

    private static final Path HOST = Path.of("/");

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(
                CgroupMountTest.class.getResource("/cgroup/mountinfo/" + name).toURI());
    }

    @Test
    void hybridMachineHasUnifiedBesideV1() throws Exception {
        assertThat(CgroupMount.findUnified(fixture("hybrid"), HOST))
                .isEqualTo(new CgroupMount(Path.of("/sys/fs/cgroup/unified"), "/"));
    }

    @Test
    void pureV2MachineMountsAtSysFsCgroup() throws Exception {
        assertThat(CgroupMount.findUnified(fixture("v2"), HOST))
                .isEqualTo(new CgroupMount(Path.of("/sys/fs/cgroup"), "/"));
    }

    @Test
    void prefersTheWholeHierarchyToASubtreeAndUnescapesSpaces() throws Exception {
        assertThat(CgroupMount.findUnified(fixture("container-subtree"), HOST))
                .isEqualTo(new CgroupMount(Path.of("/host/sys/fs/cgroup v2"), "/"));
    }

    @Test
    void keepsTheCgroupRootOfASubtreeMount() {
        String line = "1201 1190 0:24 /kubepods.slice /sys/fs/cgroup ro,relatime - cgroup2 cgroup rw\n";
        assertThat(CgroupMount.parseUnified(line, HOST))
                .contains(new CgroupMount(Path.of("/sys/fs/cgroup"), "/kubepods.slice"));
    }

    @Test
    void resolvesUnderTheHostRoot() throws Exception {
        assertThat(CgroupMount.findUnified(fixture("v2"), Path.of("/host")).directory())
                .isEqualTo(Path.of("/host/sys/fs/cgroup"));
    }

    @Test
    void v1OnlyMachineIsAClearError() throws Exception {
        Path file = fixture("v1-only");
        assertThatThrownBy(() -> CgroupMount.findUnified(file, HOST))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("no cgroup2 file system is mounted (none listed in " + file + ")");
    }

    @Test
    void findsTheV1HierarchyOfAController() throws Exception {
        assertThat(CgroupMount.findV1(fixture("hybrid"), HOST, "cpu"))
                .contains(new CgroupMount(Path.of("/sys/fs/cgroup/cpu"), "/"));
        assertThat(CgroupMount.findV1(fixture("v1-only"), HOST, "cpu"))
                .contains(new CgroupMount(Path.of("/sys/fs/cgroup/cpu,cpuacct"), "/"));
        assertThat(CgroupMount.findV1(fixture("v1-only"), HOST, "cpuacct"))
                .map(CgroupMount::directory)
                .contains(Path.of("/sys/fs/cgroup/cpu,cpuacct"));
        assertThat(CgroupMount.findV1(fixture("v1-only"), HOST, "name=systemd"))
                .map(CgroupMount::directory)
                .contains(Path.of("/sys/fs/cgroup/systemd"));
        assertThat(CgroupMount.findV1(fixture("v1-only"), HOST, "cpuset")).isEmpty();
        assertThat(CgroupMount.findV1(fixture("v2"), HOST, "cpu")).isEmpty();
    }

    @Test
    void thisMachineHasAMountedDirectory() {
        CgroupMount mount = CgroupMount.findUnified();
        assertThat(mount.directory()).isDirectory();
        assertThat(Files.isRegularFile(mount.directory().resolve("cgroup.procs")))
                .isTrue();
    }
}
