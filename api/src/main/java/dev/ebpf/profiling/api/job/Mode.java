package dev.ebpf.profiling.api.job;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How a job decides when to profile. */
public enum Mode {
    /** Profile every {@code interval} for {@code duration}. */
    @JsonProperty("general")
    GENERAL,
    /** Profile for {@code duration} when the trigger's metric stays above its threshold. */
    @JsonProperty("trigger")
    TRIGGER,
    /** Profile continuously, only the selected pods and/or CPUs, in slices of {@code duration}. */
    @JsonProperty("filter")
    FILTER;

    /** The name used in the spec and in the agent's job config. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
