package dev.ebpf.profiling.agent.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;

class CgroupPathParserTest {

    /** One row per runtime, driver and nesting shape; see the comments in paths.tsv. */
    @ParameterizedTest(name = "[{index}] {0}")
    @CsvFileSource(resources = "/cgroup/paths.tsv", delimiter = '\t', nullValues = "-", maxCharsPerColumn = 1024)
    void readsWorkloadFromPath(
            String path,
            String podUid,
            QosClass qos,
            String containerId,
            ContainerRuntime runtime,
            boolean containerMonitor,
            String systemdUnit) {
        assertThat(CgroupPathParser.parse(path))
                .isEqualTo(new Workload(path, podUid, qos, containerId, runtime, containerMonitor, systemdUnit));
    }

    @Test
    void systemdDriverUidUnderscoresBecomeDashes() {
        Workload workload = CgroupPathParser.parse(
                "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod12345678_9abc_def0_1234_56789abcdef0.slice");
        assertThat(workload.podUid()).isEqualTo("12345678-9abc-def0-1234-56789abcdef0");
        assertThat(workload.isPod()).isTrue();
        assertThat(workload.isContainer()).isFalse();
    }

    @Test
    void trailingAndDoubleSlashesAreIgnored() {
        String id = "a".repeat(64);
        Workload workload = CgroupPathParser.parse("//docker//" + id + "/");
        assertThat(workload.containerId()).isEqualTo(id);
        assertThat(workload.runtime()).isEqualTo(ContainerRuntime.DOCKER);
        assertThat(workload.isPod()).isFalse();
    }
}
