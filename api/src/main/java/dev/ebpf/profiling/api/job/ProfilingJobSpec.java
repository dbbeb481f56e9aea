package dev.ebpf.profiling.api.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.List;

/**
 * What to profile and how. Absent optional fields take the defaults below; the CRD applies the
 * same defaults (see the {@code @Default} annotations), so the operator and the API server agree.
 * Rules that span fields are CEL rules here and are checked again by the operator.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.mode != 'trigger' || has(self.trigger)", message = "mode trigger needs spec.trigger")
@ValidationRule(
        value = "self.mode == 'trigger' || !has(self.trigger)",
        message = "spec.trigger is only used in mode trigger")
@ValidationRule(
        value = "self.mode != 'filter' || has(self.selector) || has(self.cpus)",
        message = "mode filter needs a selector, cpus, or both")
@ValidationRule(
        value = "!has(self.interval) || self.mode == 'general'",
        message = "spec.interval is only used in mode general")
@ValidationRule(
        value = "!has(self.interval) || !has(self.duration) || duration(self.interval) >= duration(self.duration)",
        message = "spec.interval must not be shorter than spec.duration")
@ValidationRule(
        value = "!has(self.trigger) || self.trigger.metric != 'pod-cpu' || has(self.selector)",
        message = "trigger.metric pod-cpu needs a selector")
public class ProfilingJobSpec {

    public static final int DEFAULT_FREQUENCY_HZ = 99;
    public static final String DEFAULT_DURATION = "30s";
    public static final String DEFAULT_INTERVAL = "5m";
    public static final int DEFAULT_TOP = 10;
    /**
     * DWARF, as the CLI: a hotspot is worth its callers, and with frame pointers the stacks of
     * most distribution binaries stop at their first frame (docs/unwinding.md).
     */
    public static final UnwindingMode DEFAULT_UNWINDING = UnwindingMode.DWARF;

    @Required
    @JsonPropertyDescription(
            "general: every interval for duration; trigger: when trigger fires; filter: continuously, only the selected pods and/or cpus.")
    public Mode mode;

    @JsonPropertyDescription(
            "The pods to profile, in the job's namespace. Absent: every process on the nodes (node-wide), allowed only in namespaces the cluster admin lists.")
    public LabelSelector selector;

    @Pattern(SpecFormats.CPU_LIST)
    @JsonPropertyDescription("Only these CPUs, as a CPU list such as 0,2-3. Absent: all CPUs.")
    public String cpus;

    @Size(min = 1, max = 2)
    @JsonPropertyDescription(
            "The samplers: on-cpu, off-cpu and/or net-rx (queue delay of received data, network softirq time). Absent: on-cpu.")
    public List<Profiler> profilers;

    @Min(1)
    @Max(1000)
    @Default("" + DEFAULT_FREQUENCY_HZ)
    @JsonPropertyDescription("On-CPU samples per second per CPU.")
    public Integer frequencyHz;

    @Pattern(SpecFormats.DURATION)
    @Default(DEFAULT_DURATION)
    @JsonPropertyDescription(
            "The profiling window (one slice; in trigger mode the window profiled after each firing), such as 30s.")
    public String duration;

    @Pattern(SpecFormats.DURATION)
    @JsonPropertyDescription("General mode: how often to profile. Absent: 5m.")
    public String interval;

    @Min(1)
    @JsonPropertyDescription("How many slices to profile; 1 is a one-shot diagnostic report. Absent: continuous.")
    public Integer runs;

    @Min(1)
    @Max(100)
    @Default("" + DEFAULT_TOP)
    @JsonPropertyDescription("How many applications and hotspots the status lists.")
    public Integer top;

    @Default("dwarf")
    @JsonPropertyDescription(
            "How user stacks are walked: dwarf (.eh_frame tables, stacks reach main in code built without frame pointers) or fp (frame pointers, cheaper). A node unwinds with dwarf while any of its jobs asks for it.")
    public UnwindingMode unwinding;

    @JsonPropertyDescription("Trigger mode: the metric and threshold that start a profile.")
    public TriggerSpec trigger;

    @JsonPropertyDescription("Where the results go.")
    public OutputSpec output;

    public List<Profiler> effectiveProfilers() {
        return profilers == null || profilers.isEmpty() ? List.of(Profiler.ON_CPU) : profilers;
    }

    public int effectiveFrequencyHz() {
        return frequencyHz == null ? DEFAULT_FREQUENCY_HZ : frequencyHz;
    }

    public String effectiveDuration() {
        return duration == null ? DEFAULT_DURATION : duration;
    }

    public String effectiveInterval() {
        return interval == null ? DEFAULT_INTERVAL : interval;
    }

    public UnwindingMode effectiveUnwinding() {
        return unwinding == null ? DEFAULT_UNWINDING : unwinding;
    }

    public int effectiveTop() {
        return top == null ? DEFAULT_TOP : top;
    }

    public int effectiveRetention() {
        return output == null ? OutputSpec.DEFAULT_RETENTION : output.effectiveRetention();
    }

    /** A job with no selector profiles every process on its nodes. */
    public boolean nodeWide() {
        return selector == null;
    }
}
