package dev.ebpf.profiling.api.job;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The metric a trigger-mode job watches on each target node, read once a second. */
public enum TriggerMetric {
    /** The node's CPU %, from /proc/stat. */
    @JsonProperty("node-cpu")
    NODE_CPU,
    /** The node's system (kernel) CPU %, from /proc/stat. */
    @JsonProperty("node-sys")
    NODE_SYS,
    /** One CPU's %, the CPU named by {@code trigger.cpu}. */
    @JsonProperty("cpu")
    CPU,
    /** The selected pods' CPU %, from their cgroups' cpu.stat. */
    @JsonProperty("pod-cpu")
    POD_CPU
}
