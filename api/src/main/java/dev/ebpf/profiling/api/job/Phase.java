package dev.ebpf.profiling.api.job;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A one-word summary of the conditions, for the STATUS printer column; the conditions are the truth. */
public enum Phase {
    /** The spec or the cluster state is refused; see the Ready condition. */
    @JsonProperty("Invalid")
    INVALID,
    /** Accepted, agents not yet running on every target node. */
    @JsonProperty("Pending")
    PENDING,
    /** Agents run on every target node; no slice merged yet. */
    @JsonProperty("Scheduled")
    SCHEDULED,
    /** Slices are being merged into the status. */
    @JsonProperty("Profiling")
    PROFILING,
    /** A job with {@code runs} has profiled all its slices; its agents are gone. */
    @JsonProperty("Succeeded")
    SUCCEEDED
}
