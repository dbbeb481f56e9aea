package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.CpuList;
import dev.ebpf.profiling.api.job.SpecFormats;
import dev.ebpf.profiling.operator.validate.LabelSelectors;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ParsersTest {

    @Test
    void cpuLists() {
        // The agent's parser (api's CpuList): the operator refuses what an agent would refuse.
        assertThat(CpuList.parse("0,2-3,7").cpus()).containsExactly(0, 2, 3, 7);
        assertThatThrownBy(() -> CpuList.parse("3-1")).hasMessage("bad CPU list '3-1': range 3-1 is reversed");
        assertThatThrownBy(() -> CpuList.parse("1,,2")).hasMessage("bad CPU list '1,,2': empty item");
        assertThatThrownBy(() -> CpuList.parse("1-2-3")).hasMessageContaining("is not a CPU number");
    }

    @Test
    void durations() {
        assertThat(SpecFormats.parseDuration("duration", "1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(SpecFormats.parseDuration("duration", "1500ms")).isEqualTo(Duration.ofMillis(1500));
        assertThatThrownBy(() -> SpecFormats.parseDuration("interval", "5 min"))
                .hasMessage("interval '5 min' is not a duration such as 30s, 5m or 1h30m");
        assertThatThrownBy(() -> SpecFormats.parseDuration("duration", "0s"))
                .hasMessage("duration '0s' must be longer than zero");
    }

    @Test
    void labelSelectors() {
        var selector = new LabelSelectorBuilder()
                .withMatchLabels(Map.of("app", "web"))
                .addNewMatchExpression()
                .withKey("tier")
                .withOperator("In")
                .withValues("a", "b")
                .endMatchExpression()
                .addNewMatchExpression()
                .withKey("canary")
                .withOperator("DoesNotExist")
                .endMatchExpression()
                .build();
        assertThat(LabelSelectors.matches(selector, Map.of("app", "web", "tier", "a")))
                .isTrue();
        assertThat(LabelSelectors.matches(selector, Map.of("app", "web", "tier", "c")))
                .isFalse();
        assertThat(LabelSelectors.matches(selector, Map.of("app", "web", "tier", "a", "canary", "1")))
                .isFalse();
        assertThat(LabelSelectors.describe(selector)).isEqualTo("app=web,tier In (a,b),canary DoesNotExist");
    }

    @Test
    void clusterNames() {
        Instant slice = Instant.parse("2026-11-26T12:05:00Z");
        assertThat(AgentContract.sliceLabel(slice)).isEqualTo("20261126T120500Z");
        assertThat(AgentContract.jobResultName("nginx-jitter", slice)).isEqualTo("nginx-jitter-20261126t120500z");
        assertThat(AgentContract.labelValue("node-1")).isEqualTo("node-1");
        String longName = "ip-10-0-0-1.eu-west-1.compute.internal.with-a-very-long-suffix-for-testing";
        assertThat(AgentContract.labelValue(longName))
                .hasSizeLessThanOrEqualTo(63)
                .matches("[a-z0-9.-]+-[0-9a-f]{10}");
        assertThat(AgentContract.jobResultName("x".repeat(300), slice)).hasSizeLessThanOrEqualTo(253);
    }
}
