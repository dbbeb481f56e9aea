package dev.ebpf.profiling.api.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/**
 * What the operator observed, following the Kubernetes API conventions: {@code observedGeneration},
 * conditions with CamelCase reasons, and large data (folded stacks, full profiles) kept in the
 * result ConfigMaps named in {@code results}. Written only by the operator.
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

    @JsonPropertyDescription("The nodes that run a node agent for this job.")
    public List<String> targetNodes = new ArrayList<>();

    @JsonPropertyDescription("The target nodes whose result is in the last merged slice.")
    public List<String> reportingNodes = new ArrayList<>();

    @JsonPropertyDescription(
            "How many slices have been merged (trigger mode: profile windows after firings); a job with runs is done when this reaches runs.")
    public Integer completedSlices;

    @JsonPropertyDescription("The last merged slice: its window and what each node used.")
    public SliceStatus lastSlice;

    @JsonPropertyDescription("The busiest applications of the last slice, merged across nodes by samples.")
    public List<ApplicationStatus> topApplications = new ArrayList<>();

    @JsonPropertyDescription("The hottest stacks of the last slice, merged across nodes by samples.")
    public List<HotspotStatus> hotspots = new ArrayList<>();

    @JsonPropertyDescription(
            "Jobs with the net-rx profiler: the applications of the last slice whose received data waited longest"
                    + " before they read it, merged across nodes.")
    public List<NetRxStatus> netRx;

    @JsonPropertyDescription("The result ConfigMaps of the last slice, one per node, in this namespace.")
    public List<String> results = new ArrayList<>();

    @JsonPropertyDescription(
            "Trigger mode: the latest firings over all nodes, newest first, at most " + TRIGGERS_KEPT + ".")
    public List<TriggerStatus> triggers;

    @JsonPropertyDescription("Trigger mode: each target node's trigger phase and the metric's latest value.")
    public List<ArmedNodeStatus> armedNodes;

    @JsonPropertyDescription("With spec.output.objectStore: each node's upload state and links to its newest objects.")
    public ObjectStoreStatus objectStore;
}
