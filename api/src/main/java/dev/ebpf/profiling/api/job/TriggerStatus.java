package dev.ebpf.profiling.api.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One firing of a trigger-mode job, as the status lists it (from the node's {@link NodeTriggerState}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TriggerStatus {
    @JsonPropertyDescription("The node whose trigger fired.")
    public String node;

    @JsonPropertyDescription("The watched metric: node-cpu, node-sys, cpuN or pod-cpu.")
    public String metric;

    @JsonPropertyDescription("The metric's value that made it fire, in percent.")
    public Double value;

    @JsonPropertyDescription("The threshold it stayed above, in percent.")
    public Double threshold;

    @JsonPropertyDescription("When it fired (ISO-8601): the profile window starts here.")
    public String time;

    @JsonPropertyDescription("The result ConfigMap of the window profiled after the firing.")
    public String result;

    @JsonPropertyDescription("The Event text, such as: Triggered: node-3 node-sys 87% > 80% for 5s.")
    public String message;
}
