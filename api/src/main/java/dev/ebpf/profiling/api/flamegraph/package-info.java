/**
 * Flame graphs from folded stacks, shared by the agent and the operator (issue 5).
 * {@link dev.ebpf.profiling.api.flamegraph.FoldedStacks#parse} merges the stacks into a tree;
 * {@link dev.ebpf.profiling.api.flamegraph.SvgFlameGraph} draws a static SVG (for
 * {@code node-agent profile --format svg}); {@link dev.ebpf.profiling.api.flamegraph.HtmlFlameGraph}
 * makes a self-contained interactive page (click to zoom, search, reset, tooltips; no network).
 * {@link dev.ebpf.profiling.api.flamegraph.FlameGraphKind} picks on-CPU or off-CPU title and colours.
 */
package dev.ebpf.profiling.api.flamegraph;
