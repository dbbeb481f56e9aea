package dev.ebpf.profiling.api.job;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One application in the merged top list. {@code cpuPercent} is the application's samples over the
 * sampling capacity (frequency x seconds x CPUs) of the nodes it ran on, so it reads like the node
 * agent's figure and is never an average of percentages.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ApplicationStatus {
    public Integer rank;
    /** namespace/pod (container) for pods; node: name for host processes. */
    public String name;

    public String namespace;
    public String pod;
    public String container;
    public String node;
    public Long samples;
    public Double cpuPercent;
}
