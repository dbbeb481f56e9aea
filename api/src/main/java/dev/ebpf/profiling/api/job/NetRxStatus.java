package dev.ebpf.profiling.api.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One application of the last slice's net-rx summary: how long its received data waited, and why. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NetRxStatus {

    @JsonPropertyDescription("The application (pod container, unit or process).")
    public String name;

    @JsonPropertyDescription("Median queue delay (data ready to read), in milliseconds.")
    public Double p50Ms;

    @JsonPropertyDescription("99th percentile queue delay, in milliseconds.")
    public Double p99Ms;

    @JsonPropertyDescription("Longest queue delay, in milliseconds.")
    public Double maxMs;

    @JsonPropertyDescription("Packets its reads consumed.")
    public Long packets;

    @JsonPropertyDescription(
            "Why the reader was late for its worst wait: on-cpu or off-cpu, with the reason (sleep, io, lock, net,"
                    + " other; or application, library, kernel), such as off-cpu (sleep).")
    public String lateBecause;
}
