package dev.ebpf.profiling.api.job;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A sampler the node agent runs. */
public enum Profiler {
    @JsonProperty("on-cpu")
    ON_CPU,
    @JsonProperty("off-cpu")
    OFF_CPU,
    /** How long received data waits in sockets before it is read, and network softirq time per CPU. */
    @JsonProperty("net-rx")
    NET_RX
}
