package dev.ebpf.profiling.api.job;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A sampler the node agent runs. */
public enum Profiler {
    @JsonProperty("on-cpu")
    ON_CPU,
    @JsonProperty("off-cpu")
    OFF_CPU
}
