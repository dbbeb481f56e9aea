package dev.ebpf.profiling.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebpf.profiling.api.job.Mode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobConfigFileTest {

    @TempDir
    Path dir;

    static String config(int schemaVersion, long durationSeconds) {
        return """
                {"schemaVersion": %d, "job": {"namespace": "web", "name": "nginx-jitter", "uid": "6f1c"},
                 "mode": "filter", "profilers": ["on-cpu"], "frequencyHz": 99, "cpus": null,
                 "durationSeconds": %d, "intervalSeconds": null, "runs": 2, "top": 10, "retention": 3,
                 "nodeWide": false, "pods": [{"uid": "u1", "namespace": "web", "name": "nginx", "node": "n1"}],
                 "trigger": null}""".formatted(schemaVersion, durationSeconds);
    }

    @Test
    void readsTheOperatorsDocument() throws Exception {
        Path file = Files.writeString(dir.resolve("job.json"), config(1, 30));
        var config = JobConfigFile.read(file);
        assertThat(config.mode()).isEqualTo(Mode.FILTER);
        assertThat(config.pods())
                .singleElement()
                .satisfies(pod -> assertThat(pod.node()).isEqualTo("n1"));
        assertThat(config.runs()).isEqualTo(2);
    }

    @Test
    void anotherSchemaVersionIsRefusedWithOneLine() throws Exception {
        Path file = Files.writeString(dir.resolve("job.json"), config(2, 30));
        assertThatThrownBy(() -> JobConfigFile.read(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("job config " + file + " has schemaVersion 2 but this agent reads version 1:"
                        + " upgrade the agent image");
    }

    @Test
    void missingMalformedAndImpossibleConfigsAreOneLine() throws Exception {
        assertThatThrownBy(() -> JobConfigFile.read(dir.resolve("absent.json")))
                .hasMessage("job config " + dir.resolve("absent.json") + " does not exist");
        Path garbage = Files.writeString(dir.resolve("garbage.json"), "{not json");
        assertThatThrownBy(() -> JobConfigFile.read(garbage))
                .hasMessageStartingWith("job config " + garbage + " is not valid: ")
                .satisfies(e -> assertThat(e.getMessage().lines()).hasSize(1));
        Path zero = Files.writeString(dir.resolve("zero.json"), config(1, 0));
        assertThatThrownBy(() -> JobConfigFile.read(zero)).hasMessageContaining("durationSeconds 0");
    }
}
