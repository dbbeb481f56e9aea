package dev.ebpf.profiling.api.flamegraph;

import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * One frame of the merged call tree: stacks that share a prefix share its nodes. Children are kept
 * sorted by name, as flamegraph.pl does, so equal input always gives the same picture.
 */
public final class FlameNode {

    private final String name;
    private final Map<String, FlameNode> children = new TreeMap<>();
    private long samples;

    FlameNode(String name) {
        this.name = name;
    }

    /** The frame's name as written in the folded stacks. */
    public String name() {
        return name;
    }

    /** Samples in which this frame was on the stack: its own plus all its callees'. */
    public long samples() {
        return samples;
    }

    /** Samples in which this frame was the leaf. */
    public long selfSamples() {
        long inChildren = 0;
        for (FlameNode child : children.values()) {
            inChildren += child.samples;
        }
        return samples - inChildren;
    }

    /** The callees, sorted by name. */
    public Collection<FlameNode> children() {
        return Collections.unmodifiableCollection(children.values());
    }

    /** Adds one stack below this node (root first). */
    void add(String[] frames, long count) {
        samples += count;
        FlameNode node = this;
        for (String frame : frames) {
            node = node.children.computeIfAbsent(frame, FlameNode::new);
            node.samples += count;
        }
    }
}
