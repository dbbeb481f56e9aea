package dev.ebpf.profiling.agent.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.testsupport.PodCgroups;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.api.profile.PodRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Attribution on real cgroups of this machine, with a real process inside (root only). */
class RealCgroupAttributionTest {

    private static final Path PROC = Path.of("/proc");

    @BeforeEach
    void root() {
        RequiresRoot.assumeRoot();
    }

    @Test
    void cgroupIdAndPidOfAPodProcessResolveToItsPod() throws IOException {
        try (PodCgroups pod = PodCgroups.builder()
                .qos(QosClass.BURSTABLE)
                .container()
                .container()
                .build()) {
            PodCgroups.Container container = pod.container(1);
            Process sleep = container.start("sleep", "300");
            long id = (Long) Files.getAttribute(container.v2Directory(), "unix:ino", LinkOption.NOFOLLOW_LINKS);

            CgroupResolver cgroups = CgroupResolver.forThisMachine();
            assertThat(cgroups.pathOf(id)).contains(container.path());
            assertThat(cgroups.idOf(container.path())).isEqualTo(id);
            assertThat(cgroups.idOf(container.v2Directory().toString())).isEqualTo(id);

            ProcCgroupFile procFile =
                    ProcCgroupFile.read(PROC, (int) sleep.pid()).orElseThrow();
            assertThat(procFile.unifiedPath()).isEqualTo(container.path());

            ApplicationResolver applications = new ApplicationResolver(cgroups);
            Application app = applications.resolve((int) sleep.pid(), id, "sleep");
            assertThat(app.pod()).isEqualTo(PodRef.fromCgroup(pod.podUid(), container.id()));
            assertThat(app.key()).isEqualTo("pod:" + pod.podUid() + "/" + container.id());
            assertThat(app.cgroup()).isEqualTo(container.path());
            assertThat(app.processName()).isEqualTo("sleep");
            assertThat(CgroupPathParser.parse(app.cgroup()).qosClass()).isEqualTo(QosClass.BURSTABLE);
        }
    }

    /** Hybrid machines: the v2 id is the root, and only /proc/PID/cgroup's v1 path shows the pod. */
    @Test
    void podFoundThroughV1WhenTheV2IdIsTheRoot() {
        Assumptions.assumeTrue(
                CgroupMount.findV1(CgroupMount.PROC_SELF_MOUNTINFO, Path.of("/"), "cpu")
                        .isPresent(),
                "no v1 cpu hierarchy on this machine: the hybrid case does not arise");
        try (PodCgroups pod = PodCgroups.builder().container().mirrorInV1Cpu().build()) {
            PodCgroups.Container container = pod.container(0);
            Process sleep = container.start("sleep", "300");
            // Back to the v2 root, as on a hybrid machine whose runtime only uses v1.
            Files.writeString(
                    CgroupMount.findUnified().directory().resolve("cgroup.procs"), Long.toString(sleep.pid()));

            CgroupResolver cgroups = CgroupResolver.forThisMachine();
            long rootId = cgroups.idOf("/");
            ApplicationResolver applications = new ApplicationResolver(cgroups);
            applications.snapshot(List.of((int) sleep.pid()));
            Application app = applications.resolve((int) sleep.pid(), rootId, "sleep");

            assertThat(app.pod()).isEqualTo(PodRef.fromCgroup(pod.podUid(), container.id()));
            assertThat(app.cgroup()).isEqualTo(container.path());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void exitedProcessStillResolvesThroughItsCgroupId() throws Exception {
        try (PodCgroups pod = PodCgroups.builder().container().build()) {
            PodCgroups.Container container = pod.container(0);
            Process sleep = container.start("sleep", "300");
            int pid = (int) sleep.pid();
            sleep.destroyForcibly().waitFor();

            ApplicationResolver applications = new ApplicationResolver(CgroupResolver.forThisMachine());
            Application app = applications.resolve(pid, container.cgroupId(), "sleep\0\0\0\0\0\0\0\0\0\0\0");
            assertThat(app.pod()).isEqualTo(PodRef.fromCgroup(pod.podUid(), container.id()));
            assertThat(app.processName()).isEqualTo("sleep");
        }
    }

    @Test
    void hostProcessIsNotAPod() {
        ApplicationResolver applications = new ApplicationResolver(CgroupResolver.forThisMachine());
        int self = (int) ProcessHandle.current().pid();
        long id = CgroupResolver.forThisMachine()
                .idOf(ProcCgroupFile.read(PROC, self).orElseThrow().unifiedPath());
        Application app = applications.resolve(self, id, "main");
        assertThat(app.pod()).isNull();
        assertThat(app.processName()).isEqualTo("java");
    }
}
