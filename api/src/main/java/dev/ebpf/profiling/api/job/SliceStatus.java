package dev.ebpf.profiling.api.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;

/**
 * One merged slice: its window (ISO-8601 instants) and what its nodes sampled, summed over them.
 * Each node's own figures are in the slice's result ConfigMap ({@code nodes.json}), not here: the
 * status stays the same size at any node count.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SliceStatus {
    /** The slice's label on its result ConfigMaps (its aligned start, such as 20261126T120500Z). */
    public String id;

    public String start;
    public String end;
    /** The nodes whose report is in the slice. */
    public Integer nodeCount;
    /** The perf events the nodes sampled with (usually one: cpu-cycles or cpu-clock). */
    public List<String> events = new ArrayList<>();
    /** Samples taken, summed over the nodes. */
    public Long totalSamples;
    /** Samples lost (ring buffer full), summed over the nodes. */
    public Long lostSamples;

    /**
     * Where the applications' CPU% came from: {@code sched_switch} when every node counted the
     * kernel's running time, {@code samples} when none could, {@code mixed} otherwise.
     */
    public String cpuSource;

    /**
     * How the nodes walked user stacks: {@code dwarf} or {@code frame-pointers} when every node
     * that said walked them one way, {@code mixed} otherwise (nodes differed, or a node switched
     * inside the window); absent when no node said.
     */
    public String unwinding;
}
