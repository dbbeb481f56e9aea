package dev.ebpf.profiling.api.job;

import com.fasterxml.jackson.annotation.JsonInclude;

/** One node's part of a slice: the perf event it sampled with and what it lost. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeSliceStatus {
    public String node;
    public String event;
    public Long totalSamples;
    public Long lostSamples;
    /** Where the node's CPU% came from: {@code sched_switch} (the kernel's running time) or {@code samples}. */
    public String cpuSource;
    /** The result ConfigMap holding this node's full profile and folded stacks. */
    public String result;
}
