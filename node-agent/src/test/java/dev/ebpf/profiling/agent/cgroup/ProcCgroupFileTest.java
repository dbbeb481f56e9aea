package dev.ebpf.profiling.agent.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProcCgroupFileTest {

    private static final String CONTAINER = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb";
    private static final String POD_SYSTEMD = "/kubepods.slice/kubepods-burstable.slice/"
            + "kubepods-burstable-pod0f5b7f3c_8d2a_4a56_9e1b_2c3d4e5f6a7b.slice/cri-containerd-" + CONTAINER + ".scope";
    private static final String POD_CGROUPFS =
            "/kubepods/besteffort/pod0f5b7f3c-8d2a-4a56-9e1b-2c3d4e5f6a7b/" + CONTAINER;

    static String fixture(String name) throws IOException {
        try (var in = ProcCgroupFileTest.class.getResourceAsStream("/cgroup/proc/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "v2-pod, " + POD_SYSTEMD,
        "v2-service, /system.slice/cron.service",
        "v1-pod-cgroupfs, " + POD_CGROUPFS,
        "v1-docker, /docker/" + CONTAINER,
        "hybrid-pod-systemd, " + POD_SYSTEMD,
        "hybrid-pod-cpu-only, " + POD_SYSTEMD,
        "hybrid-root, /",
        "hybrid-service, /system.slice/cron.service",
    })
    void picksThePathThatIdentifiesTheWorkload(String file, String expected) throws IOException {
        assertThat(ProcCgroupFile.parse(fixture(file)).workloadPath()).isEqualTo(expected);
    }

    @Test
    void splitsJoinedControllersAndKeepsNamedHierarchies() throws IOException {
        ProcCgroupFile file = ProcCgroupFile.parse(fixture("v1-pod-cgroupfs"));
        assertThat(file.unifiedPath()).isNull();
        assertThat(file.v1Paths())
                .containsEntry("cpu", POD_CGROUPFS)
                .containsEntry("cpuacct", POD_CGROUPFS)
                .containsEntry("net_prio", POD_CGROUPFS)
                .containsEntry("name=systemd", POD_CGROUPFS)
                .hasSize(14);
    }

    @Test
    void v2OnlyHasNoV1Paths() throws IOException {
        ProcCgroupFile file = ProcCgroupFile.parse(fixture("v2-service"));
        assertThat(file.unifiedPath()).isEqualTo("/system.slice/cron.service");
        assertThat(file.v1Paths()).isEmpty();
    }

    @Test
    void pathsMayContainColons() {
        assertThat(ProcCgroupFile.parse("0::/odd:name\n").unifiedPath()).isEqualTo("/odd:name");
    }

    @Test
    void garbageNamesTheLine() throws IOException {
        String text = fixture("garbage");
        assertThatThrownBy(() -> ProcCgroupFile.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "bad /proc/PID/cgroup line 'this is not a cgroup file': expected hierarchy-id:controllers:/path");
        assertThatThrownBy(() -> ProcCgroupFile.parse("x:cpu:/")).hasMessageContaining("'x:cpu:/'");
        assertThatThrownBy(() -> ProcCgroupFile.parse("0::relative")).hasMessageContaining("'0::relative'");
    }

    @Test
    void readGivesEmptyForGoneOrGarbledProcesses(@TempDir Path proc) throws IOException {
        Files.createDirectories(proc.resolve("42"));
        Files.writeString(proc.resolve("42/cgroup"), fixture("v2-pod"));
        Files.createDirectories(proc.resolve("43"));
        Files.writeString(proc.resolve("43/cgroup"), fixture("garbage"));

        assertThat(ProcCgroupFile.read(proc, 42))
                .map(ProcCgroupFile::workloadPath)
                .contains(POD_SYSTEMD);
        assertThat(ProcCgroupFile.read(proc, 43)).isEmpty();
        assertThat(ProcCgroupFile.read(proc, 44)).isEmpty();
    }

    /** This JVM's own file must parse, whatever the machine's cgroup layout. */
    @Test
    void readsThisProcess() throws IOException {
        long pid = ProcessHandle.current().pid();
        String text = Files.readString(Path.of("/proc/self/cgroup"));
        ProcCgroupFile file = ProcCgroupFile.read(Path.of("/proc"), (int) pid).orElseThrow();
        assertThat(file).isEqualTo(ProcCgroupFile.parse(text));
        assertThat(file.unifiedPath() != null || !file.v1Paths().isEmpty()).isTrue();
    }
}
