package dev.ebpf.profiling.agent.output;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebpf.profiling.agent.profile.SliceResult;
import dev.ebpf.profiling.api.profile.ApplicationUsage;
import dev.ebpf.profiling.api.profile.LostSamples;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.PodRef;
import dev.ebpf.profiling.api.profile.ProfileJson;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The JSON document is a contract with scripts and the operator: its field names must not drift. */
class OutputContractTest {

    static NodeProfile sample() {
        PodRef pod = PodRef.fromCgroup("1b4e28ba-2fa1-11d2-883f-0016d3cca427", "ab12".repeat(16));
        return new NodeProfile(
                "node-1",
                "cpu-clock",
                99,
                List.of(0, 1),
                Instant.parse("2026-11-26T12:05:00Z"),
                Instant.parse("2026-11-26T12:05:10Z"),
                10.0,
                1980,
                3,
                new LostSamples(1, 0, 2),
                List.of(
                        new ApplicationUsage(
                                1,
                                "pod 1b4e28ba-2fa1-11d2-883f-0016d3cca427 (ab12ab12ab12)",
                                "/kubepods.slice/kubepods-pod1b4e28ba_2fa1_11d2_883f_0016d3cca427.slice/cri-containerd-"
                                        + "ab12".repeat(16) + ".scope",
                                pod,
                                List.of(42, 43),
                                964,
                                48.69),
                        new ApplicationUsage(
                                2,
                                "systemd: cron.service (cachestat)",
                                "/system.slice/cron.service",
                                null,
                                List.of(7),
                                240,
                                12.12)));
    }

    @Test
    void topLevelFieldsAreTheDocumentedOnesInOrder() throws Exception {
        JsonNode json = ProfileJson.mapper().readTree(ProfileJson.mapper().writeValueAsString(sample()));
        assertThat(json.fieldNames())
                .toIterable()
                .containsExactly(
                        "node",
                        "event",
                        "frequencyHz",
                        "cpus",
                        "start",
                        "end",
                        "durationSeconds",
                        "totalSamples",
                        "lostSamples",
                        "lost",
                        "topApplications",
                        "hotspots",
                        "locationSplit",
                        "offCpu",
                        "cpuSource",
                        "netRx");
        assertThat(json.get("start").asText()).isEqualTo("2026-11-26T12:05:00Z");
        assertThat(json.get("cpus").toString()).isEqualTo("[0,1]");
        JsonNode first = json.get("topApplications").get(0);
        assertThat(first.fieldNames())
                .toIterable()
                .containsExactly("rank", "name", "cgroup", "pod", "pids", "samples", "cpuPercent");
        assertThat(first.get("pod").fieldNames())
                .toIterable()
                .containsExactly("uid", "containerId", "namespace", "name", "container");
        assertThat(first.get("pod").get("namespace").isNull()).isTrue();
        assertThat(json.get("topApplications").get(1).get("pod").isNull()).isTrue();
    }

    @Test
    void theDocumentReadsBackAsWritten() throws Exception {
        String text = ProfileJson.mapper().writeValueAsString(sample());
        assertThat(ProfileJson.mapper().readValue(text, NodeProfile.class)).isEqualTo(sample());
    }

    @Test
    void jsonOutputIsOneDocumentPerLine() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (SliceWriter writer = SliceWriter.open(OutputFormat.JSON, null, new PrintStream(bytes), 2)) {
            writer.write(new SliceResult(sample(), List.of(), List.of(), Map.of()));
            writer.write(new SliceResult(sample(), List.of(), List.of(), Map.of()));
        }
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(2);
        assertThat(ProfileJson.mapper().readValue(lines[1], NodeProfile.class)).isEqualTo(sample());
    }

    @Test
    void theTableShowsRankNameCpuSamplesWhereAndTheSamplingLine() {
        String table = TableFormatter.format(sample());
        assertThat(table).contains("RANK  APPLICATION");
        assertThat(table).containsPattern("1 +pod 1b4e28ba.* +48\\.7 +964  /kubepods\\.slice/.*\\.\\.\\..*\\.scope");
        assertThat(table)
                .containsPattern("2 +systemd: cron.service \\(cachestat\\) +12\\.1 +240  /system.slice/cron.service");
        assertThat(table)
                .contains("event: cpu-clock (no hardware PMU)  frequency: 99 Hz  cpus: 0-1  window: 10.0 s"
                        + "  lost: 3  cpu%: samples (estimate)");
    }
}
