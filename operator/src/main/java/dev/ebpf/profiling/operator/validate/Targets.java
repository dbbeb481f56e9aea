package dev.ebpf.profiling.operator.validate;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.SortedSet;

/** Where a job runs: the selected pods (empty for node-wide jobs) and the nodes that get an agent. */
public record Targets(List<Pod> pods, SortedSet<String> nodes) {}
