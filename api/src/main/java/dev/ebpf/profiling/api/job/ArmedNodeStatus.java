package dev.ebpf.profiling.api.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * A target node's trigger as its agent last reported it (its {@link NodeTriggerState}), so a
 * trigger that never fires still shows what it watches and the value it reads.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ArmedNodeStatus {
    /** The phase of a target node whose agent has not reported its trigger yet. */
    public static final String PHASE_UNKNOWN = "Unknown";

    @JsonPropertyDescription("The target node.")
    public String node;

    @JsonPropertyDescription("Armed, AboveThreshold, Profiling, Cooldown; Unknown until the node's agent reports.")
    public String phase;

    @JsonPropertyDescription("The watched metric: node-cpu, node-sys, cpuN or pod-cpu.")
    public String metric;

    @JsonPropertyDescription("The metric's latest value in percent.")
    public Double value;

    @JsonPropertyDescription("When the value was read (ISO-8601); the agent refreshes it at least every 30 s.")
    public String readAt;

    @JsonPropertyDescription("Why the agent's latest read of the metric failed.")
    public String error;

    @JsonPropertyDescription("How often the trigger fired on this node since its agent started.")
    public Long firings;
}
