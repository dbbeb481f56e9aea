package dev.ebpf.profiling.agent.hotspot;

import dev.ebpf.profiling.api.profile.Frame;
import java.util.List;

/**
 * Decides a stack's verdict from its leaf frame: the application's own executable or JIT code,
 * a shared library, or the kernel (with a subsystem from the kernel frames).
 */
public final class VerdictRules {

    private final FrameRules subsystems;

    public VerdictRules(FrameRules subsystems) {
        this.subsystems = subsystems;
    }

    /** @param frames the stack, leaf first */
    public Verdict decide(List<Frame> frames) {
        if (frames.isEmpty()) {
            return Verdict.UNKNOWN;
        }
        return switch (frames.getFirst().origin()) {
            case KERNEL -> Verdict.kernel(subsystems.classify(frames));
            case EXECUTABLE, JIT -> Verdict.APPLICATION;
            case LIBRARY -> Verdict.LIBRARY;
            case UNKNOWN -> Verdict.UNKNOWN;
        };
    }
}
