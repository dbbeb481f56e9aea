package dev.ebpf.profiling.api.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * What the operator observed, following the Kubernetes API conventions: {@code observedGeneration},
 * conditions with CamelCase reasons, and large data (folded stacks, full profiles) kept in the
 * result ConfigMaps named in {@code results}. Written only by the operator.
 *
 * <p>Bounded at any cluster size (well under 64 KiB at 5,000 nodes): nodes are counted in
 * {@link #nodeCounts}, and each node list names at most {@link #NODES_NAMED} nodes, the first by
 * name; condition messages are capped at {@link #MESSAGE_MAX} characters. Per-node detail is in
 * the result ConfigMap ({@code nodes.json}) and the operator's metrics.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProfilingJobStatus {

    /** Condition types. */
    public static final String READY = "Ready";

    public static final String SCHEDULED = "Scheduled";
    public static final String PROFILING = "Profiling";
    public static final String SUCCEEDED = "Succeeded";
    public static final String DEGRADED = "Degraded";
    /** Trigger mode: True with the latest firing's message; False while no node has fired yet. */
    public static final String TRIGGERED = "Triggered";
    /** Jobs with spec.output.objectStore: True while every node's uploads work. */
    public static final String UPLOADED = "Uploaded";
    /**
     * True while an agent runs on every target node; False with the number of nodes without one and
     * one example node's reason (AgentRefused, AgentNotStarted, AgentCrashLooping, AgentNotRunning,
     * AgentDaemonSetFailed, NodeLabelFailed), or AgentsStarting within the grace.
     */
    public static final String AGENTS_READY = "AgentsReady";

    /**
     * True when some node runs without something optional (reason such as KernelSymbolsHidden, from
     * the agents' reports), naming how many nodes and one example.
     */
    public static final String LIMITED = "Limited";

    /** Firings kept in {@link #triggers}. */
    public static final int TRIGGERS_KEPT = 10;

    /** Node names a node list of the status holds at most; {@link #nodeCounts} has the totals. */
    public static final int NODES_NAMED = 10;

    /** Characters a condition message (and an Event's) holds at most. */
    public static final int MESSAGE_MAX = 1024;

    /** The first {@link #NODES_NAMED} of {@code nodes}, by name. */
    public static List<String> firstNodes(Collection<String> nodes) {
        return nodes.stream().sorted().limit(NODES_NAMED).toList();
    }

    /** {@code node-1, node-2 and 4998 more}: the first {@link #NODES_NAMED} names and how many more. */
    public static String describeNodes(Collection<String> nodes) {
        List<String> first = firstNodes(nodes);
        String named = String.join(", ", first);
        return nodes.size() > first.size() ? named + " and " + (nodes.size() - first.size()) + " more" : named;
    }

    @JsonPropertyDescription("The spec generation this status describes.")
    public Long observedGeneration;

    @JsonPropertyDescription("A one-word summary of the conditions.")
    public Phase phase;

    @JsonPropertyDescription("Reporting nodes / target nodes, such as 3/3.")
    public String nodes;

    @JsonPropertyDescription(
            "Ready, Scheduled, Profiling, Succeeded (jobs with runs), Degraded, Triggered (trigger mode)"
                    + " and Uploaded (jobs with an object store).")
    public List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription(
            "How many nodes are targets, reporting, missing from the last slice, and without an agent.")
    public NodeCounts nodeCounts;

    @Size(max = NODES_NAMED)
    @JsonPropertyDescription(
            "The first 10 nodes (by name) that run a node agent for this job; nodeCounts.target counts them all.")
    public List<String> targetNodes = new ArrayList<>();

    @Size(max = NODES_NAMED)
    @JsonPropertyDescription(
            "The first 10 target nodes whose result is in the last merged slice; nodeCounts.reporting counts them all.")
    public List<String> reportingNodes = new ArrayList<>();

    @Size(max = NODES_NAMED)
    @JsonPropertyDescription(
            "The first 10 target nodes missing from the last merged slice; nodeCounts.missing counts them all.")
    public List<String> missingNodes;

    @Size(max = NODES_NAMED)
    @JsonPropertyDescription(
            "The first 10 target nodes without a running agent past the grace; nodeCounts.failing counts them all.")
    public List<String> failingNodes;

    @JsonPropertyDescription(
            "How many slices have been merged (trigger mode: profile windows after firings); a job with runs is done when this reaches runs.")
    public Integer completedSlices;

    @JsonPropertyDescription("The last merged slice: its window and what its nodes sampled, summed.")
    public SliceStatus lastSlice;

    @JsonPropertyDescription("The busiest applications of the last slice, merged across nodes by samples.")
    public List<ApplicationStatus> topApplications = new ArrayList<>();

    @JsonPropertyDescription("The hottest stacks of the last slice, merged across nodes by samples.")
    public List<HotspotStatus> hotspots = new ArrayList<>();

    @JsonPropertyDescription(
            "Jobs with the net-rx profiler: the applications of the last slice whose received data waited longest"
                    + " before they read it, merged across nodes.")
    public List<NetRxStatus> netRx;

    @Size(max = 1)
    @JsonPropertyDescription(
            "The result ConfigMap of the last slice (one per job and slice, in this namespace), with each node's figures.")
    public List<String> results = new ArrayList<>();

    @JsonPropertyDescription(
            "Trigger mode: the latest firings over all nodes, newest first, at most " + TRIGGERS_KEPT + ".")
    public List<TriggerStatus> triggers;

    @Size(max = NODES_NAMED)
    @JsonPropertyDescription("Trigger mode: the trigger phase and the metric's latest value of at most 10 target nodes,"
            + " those nearest to firing first (then by name); armedNodeCounts counts every target node by phase.")
    public List<ArmedNodeStatus> armedNodes;

    @JsonPropertyDescription(
            "Trigger mode: how many target nodes are in each trigger phase (Unknown: not reported yet).")
    public Map<String, Integer> armedNodeCounts;

    @JsonPropertyDescription(
            "With spec.output.objectStore: the newest slice's uploads as counts, at most 10 names, and links.")
    public ObjectStoreStatus objectStore;
}
