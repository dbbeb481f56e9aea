package dev.ebpf.profiling.api.flamegraph;

/**
 * One box of the laid-out flame graph, in samples: the renderer scales {@code start} and
 * {@code samples} by pixels per sample.
 *
 * @param name    the frame's name
 * @param depth   0 for the root, 1 for its callees...
 * @param start   samples to the left of the box within the whole graph
 * @param samples the box's width in samples
 */
public record FlameFrame(String name, int depth, long start, long samples) {}
