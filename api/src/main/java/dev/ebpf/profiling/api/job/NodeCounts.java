package dev.ebpf.profiling.api.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * How many nodes a job has in each state: the status counts nodes and names at most
 * {@link ProfilingJobStatus#NODES_NAMED} of them, so it stays small at any cluster size.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeCounts {

    @JsonPropertyDescription("Nodes that run a node agent for this job.")
    public Integer target;

    @JsonPropertyDescription("Target nodes whose report is in the last merged slice.")
    public Integer reporting;

    @JsonPropertyDescription("Target nodes missing from the last merged slice.")
    public Integer missing;

    @JsonPropertyDescription("Target nodes without a running agent past the grace (AgentsReady).")
    public Integer failing;

    public NodeCounts() {}

    public NodeCounts(int target, int reporting, int missing, int failing) {
        this.target = target;
        this.reporting = reporting;
        this.missing = missing;
        this.failing = failing;
    }
}
