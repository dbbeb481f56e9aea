package dev.ebpf.profiling.api.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** When a trigger-mode job fires. The agent's runtime behaviour is issue 5; this is the accepted spec. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "self.metric != 'cpu' || has(self.cpu)",
        message = "trigger.metric cpu needs trigger.cpu, the CPU to watch")
@ValidationRule(
        value = "!has(self.cpu) || self.metric == 'cpu'",
        message = "trigger.cpu is only used with trigger.metric cpu")
public class TriggerSpec {

    public static final String DEFAULT_FOR = "5s";
    public static final String DEFAULT_COOLDOWN = "5m";

    @Required
    @JsonPropertyDescription("The metric to watch: node-cpu, node-sys, cpu (one CPU) or pod-cpu (the selected pods).")
    public TriggerMetric metric;

    @Min(0)
    @JsonPropertyDescription("The CPU to watch when metric is cpu.")
    public Integer cpu;

    @Required
    @Min(0)
    @Max(100)
    @JsonPropertyDescription("Fire when the metric, in percent, stays above this.")
    public Double threshold;

    @JsonProperty("for")
    @Pattern(SpecFormats.DURATION)
    @Default(DEFAULT_FOR)
    @JsonPropertyDescription("How long the metric must stay above the threshold before the trigger fires.")
    public String forDuration;

    @Pattern(SpecFormats.DURATION)
    @Default(DEFAULT_COOLDOWN)
    @JsonPropertyDescription("How long to wait after a firing before the trigger can fire again.")
    public String cooldown;

    public String effectiveFor() {
        return forDuration == null ? DEFAULT_FOR : forDuration;
    }

    public String effectiveCooldown() {
        return cooldown == null ? DEFAULT_COOLDOWN : cooldown;
    }
}
