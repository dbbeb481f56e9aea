package dev.ebpf.profiling.operator.web;

import dev.ebpf.profiling.operator.NodeResult;
import java.util.Set;

/**
 * One node's result ConfigMap of one slice, as the web view lists it.
 *
 * @param result          the profile and where it came from
 * @param stacks          the folded stacks the ConfigMap holds
 * @param truncatedStacks how many of the coldest stacks the agent dropped to stay under 1 MiB
 */
record NodeSlice(NodeResult result, Set<StackSet> stacks, int truncatedStacks) {}
