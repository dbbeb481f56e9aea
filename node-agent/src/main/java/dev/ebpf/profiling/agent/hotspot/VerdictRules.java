package dev.ebpf.profiling.agent.hotspot;

import dev.ebpf.profiling.api.profile.Frame;
import java.util.List;

/**
 * Decides a stack's verdict from its leaf frame: the application's own executable, JIT code or
 * language runtime library, another shared library, or the kernel (with a subsystem from the
 * kernel frames).
 */
public final class VerdictRules {

    private final FrameRules subsystems;
    private final RuntimeLibraries runtimes;

    /** With the runtime libraries shipped with the agent. */
    public VerdictRules(FrameRules subsystems) {
        this(subsystems, RuntimeLibraries.shipped());
    }

    public VerdictRules(FrameRules subsystems, RuntimeLibraries runtimes) {
        this.subsystems = subsystems;
        this.runtimes = runtimes;
    }

    /** @param frames the stack, leaf first */
    public Verdict decide(List<Frame> frames) {
        if (frames.isEmpty()) {
            return Verdict.UNKNOWN;
        }
        return switch (frames.getFirst().origin()) {
            case KERNEL -> Verdict.kernel(subsystems.classify(frames));
            case EXECUTABLE, JIT -> Verdict.APPLICATION;
            // An interpreter or VM library runs the application's own code.
            case LIBRARY -> runtimes.contains(frames.getFirst().module()) ? Verdict.APPLICATION : Verdict.LIBRARY;
            case UNKNOWN -> Verdict.UNKNOWN;
        };
    }
}
