package dev.ebpf.profiling.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.cgroup.CgroupMount;
import dev.ebpf.profiling.agent.testsupport.PodCgroups;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import java.nio.file.Files;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Finding pods' cgroups by UID in this machine's real cgroup v2 tree. */
class PodCgroupIndexTest {

    @Test
    void findsThePodLevelCgroupOfEachSelectedPodAndNoOther() throws Exception {
        RequiresRoot.assumeRoot();
        try (PodCgroups selected = PodCgroups.builder().container().build();
                PodCgroups other = PodCgroups.builder().container().build()) {
            var ids = new PodCgroupIndex(CgroupMount.findUnified())
                    .podCgroupIds(Set.of(selected.podUid(), "0b7e0000-0000-0000-0000-000000000000"));
            long podDirectoryInode = ((Number) Files.getAttribute(
                            selected.container(0).v2Directory().getParent(), "unix:ino"))
                    .longValue();
            assertThat(ids).containsOnlyKeys(selected.podUid()).containsEntry(selected.podUid(), podDirectoryInode);
            assertThat(ids).doesNotContainKey(other.podUid());
        }
    }

    @Test
    void noPodsMeansNoWalk() {
        assertThat(new PodCgroupIndex(CgroupMount.findUnified()).podCgroupIds(Set.of()))
                .isEmpty();
    }
}
