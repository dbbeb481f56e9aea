package dev.ebpf.profiling.operator.web;

import dev.ebpf.profiling.operator.NodeResult;

/**
 * One node's result ConfigMap of one slice, as the web view lists it.
 *
 * @param result          the profile and where it came from
 * @param onCpuStacks     whether the ConfigMap holds on-CPU folded stacks
 * @param offCpuStacks    whether it holds off-CPU folded stacks
 * @param truncatedStacks how many of the coldest stacks the agent dropped to stay under 1 MiB
 */
record NodeSlice(NodeResult result, boolean onCpuStacks, boolean offCpuStacks, int truncatedStacks) {
}
