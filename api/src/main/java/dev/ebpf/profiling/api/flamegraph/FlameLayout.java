package dev.ebpf.profiling.api.flamegraph;

import java.util.ArrayList;
import java.util.List;

/**
 * Places every node of a call tree: each child starts where its previous sibling ended, inside its
 * parent, so a box's width is its sample count and common prefixes share one box.
 */
public final class FlameLayout {

    private FlameLayout() {}

    /**
     * The boxes, parents before children, children left to right in name order.
     *
     * @param minSamples boxes narrower than this are left out with their callees (too thin to see)
     */
    public static List<FlameFrame> layout(FlameNode root, long minSamples) {
        List<FlameFrame> frames = new ArrayList<>();
        place(root, 0, 0, minSamples, frames);
        return frames;
    }

    /** The depth of the deepest stack (the root has depth 0). */
    public static int maxDepth(FlameNode node) {
        int deepest = 0;
        for (FlameNode child : node.children()) {
            deepest = Math.max(deepest, 1 + maxDepth(child));
        }
        return deepest;
    }

    private static void place(FlameNode node, int depth, long start, long minSamples, List<FlameFrame> frames) {
        if (node.samples() < minSamples || node.samples() == 0) {
            return;
        }
        frames.add(new FlameFrame(node.name(), depth, start, node.samples()));
        long childStart = start;
        for (FlameNode child : node.children()) {
            place(child, depth + 1, childStart, minSamples, frames);
            childStart += child.samples();
        }
    }
}
