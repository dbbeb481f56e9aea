package dev.ebpf.profiling.agent.symbolize;

import dev.ebpf.profiling.api.profile.Frame;
import java.util.List;

/**
 * A stack with every frame named: kernel frames first (leaf first), then the user frames (leaf
 * first), so the list runs from the leaf to the outermost user frame.
 *
 * @param tgid        the process id
 * @param application the application the process belongs to
 * @param frames      leaf first; empty when both stack walks failed
 * @param count       how many samples had this stack
 */
public record SymbolizedStack(int tgid, String application, List<Frame> frames, long count) {

    public SymbolizedStack {
        frames = List.copyOf(frames);
    }

    /** The leaf frame, or null for an empty stack. */
    public Frame leaf() {
        return frames.isEmpty() ? null : frames.getFirst();
    }
}
