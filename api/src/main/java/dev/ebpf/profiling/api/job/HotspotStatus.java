package dev.ebpf.profiling.api.job;

import com.fasterxml.jackson.annotation.JsonInclude;

/** One hot stack merged across nodes, with where the time goes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HotspotStatus {
    public String application;
    /** The leaf frame. */
    public String frame;
    /** The verdict: application, library or kernel. */
    public String location;
    /** For kernel hotspots, the subsystem, such as memory-reclaim. */
    public String subsystem;

    public Long samples;
    /** Samples over all samples of the slice (all reporting nodes). */
    public Double percentOfTotal;
}
