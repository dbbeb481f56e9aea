package dev.ebpf.profiling.agent.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebpf.profiling.agent.cgroup.CgroupMount;
import dev.ebpf.profiling.agent.cgroup.CgroupPathParser;
import dev.ebpf.profiling.agent.cgroup.ContainerRuntime;
import dev.ebpf.profiling.agent.cgroup.QosClass;
import dev.ebpf.profiling.agent.cgroup.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fixture itself, on this machine's real cgroups (root only). */
class PodCgroupsTest {

    @BeforeEach
    void root() {
        RequiresRoot.assumeRoot();
    }

    @Test
    void createsKubeletShapedCgroupsAndRemovesThemEvenAfterAFailure() throws Exception {
        Process busy = null;
        List<Path> directories = List.of();
        try (PodCgroups pod = PodCgroups.builder()
                .qos(QosClass.BEST_EFFORT)
                .container()
                .container()
                .build()) {
            for (PodCgroups.Container container : pod.containers()) {
                assertThat(container.v2Directory()).isDirectory();
                assertThat(CgroupPathParser.parse(container.path()))
                        .isEqualTo(new Workload(
                                container.path(),
                                pod.podUid(),
                                QosClass.BEST_EFFORT,
                                container.id(),
                                ContainerRuntime.CONTAINERD,
                                false,
                                null));
            }
            assertThat(pod.container(0).path()).startsWith(pod.podPath() + "/");
            assertThat(pod.container(0).id())
                    .isNotEqualTo(pod.container(1).id())
                    .hasSize(64);
            busy = pod.container(0).startBusyLoop();
            assertThat(Files.readString(Path.of("/proc/" + busy.pid() + "/cgroup")))
                    .contains("0::" + pod.container(0).path() + "\n");
            directories = List.of(
                    pod.container(0).v2Directory(),
                    pod.container(1).v2Directory(),
                    pod.container(0).v2Directory().getParent());
            throw new IllegalStateException("the test failed");
        } catch (IllegalStateException expected) {
            assertThat(expected).hasMessage("the test failed");
        }
        assertThat(directories).hasSize(3);
        assertThat(busy.isAlive()).isFalse();
        for (Path dir : directories) {
            assertThat(dir).doesNotExist();
        }
    }

    @Test
    void busyLoopIsCountedInTheCgroupAndThrottledToItsLimit() throws Exception {
        double limit = 0.2;
        try (PodCgroups pod = PodCgroups.builder().container().container(limit).build()) {
            PodCgroups.Container throttled = pod.container(1);
            assertThat(throttled.cpuLimit()).hasValue(limit);
            if (pod.limitsInV1()) {
                assertThat(Files.readString(
                                        throttled.v1CpuDirectory().orElseThrow().resolve("cpu.cfs_quota_us"))
                                .strip())
                        .isEqualTo("20000");
            }
            long before = throttled.cpuUsageMicros();
            long start = System.nanoTime();
            throttled.startBusyLoop();
            Thread.sleep(1_500);
            long used = throttled.cpuUsageMicros() - before;
            long elapsedMicros = (System.nanoTime() - start) / 1_000;

            assertThat(used).isPositive();
            // CFS enforces the quota per 100 ms period: allow one period of slack.
            assertThat(used).isLessThanOrEqualTo((long) (limit * elapsedMicros) + PodCgroups.CFS_PERIOD_MICROS);
            assertThat(pod.container(0).cpuUsageMicros()).isZero();
        }
    }

    @Test
    void podsShareTheirQosSliceAndTheLastOneOutRemovesIt() throws Exception {
        Path kubepods = CgroupMount.findUnified().directory().resolve("kubepods.slice");
        boolean existedBefore = Files.exists(kubepods); // a real kubelet's: never ours to remove
        try (PodCgroups second =
                PodCgroups.builder().qos(QosClass.BURSTABLE).container().build()) {
            Path qosSlice = second.container(0).v2Directory().getParent().getParent();
            assertThat(qosSlice).isEqualTo(kubepods.resolve("kubepods-burstable.slice"));
            Path firstPod;
            try (PodCgroups first =
                    PodCgroups.builder().qos(QosClass.BURSTABLE).container().build()) {
                firstPod = first.container(0).v2Directory().getParent();
                assertThat(firstPod.getParent()).isEqualTo(qosSlice);
            }
            assertThat(firstPod).doesNotExist();
            assertThat(second.container(0).v2Directory()).isDirectory();
        }
        if (!existedBefore) {
            // Gone, unless another test JVM put its own pods there meanwhile.
            assertThat(!Files.exists(kubepods) || hasSubdirectory(kubepods))
                    .as("empty kubepods.slice left behind")
                    .isTrue();
        }
    }

    private static boolean hasSubdirectory(Path dir) throws Exception {
        try (var children = Files.list(dir)) {
            return children.anyMatch(Files::isDirectory);
        }
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> PodCgroups.builder().container(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("CPU limit must be positive, got 0.0");
        assertThatThrownBy(() -> PodCgroups.builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("a pod needs at least one container");
    }
}
