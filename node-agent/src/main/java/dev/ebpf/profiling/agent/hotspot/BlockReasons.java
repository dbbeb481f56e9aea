package dev.ebpf.profiling.agent.hotspot;

import dev.ebpf.profiling.api.profile.Frame;
import java.util.List;

/**
 * Why a task was off the CPU: {@code lock}, {@code net}, {@code sleep}, {@code io} or
 * {@code other}, from its kernel frames at switch-out ({@code block-reasons.rules}) and, when no
 * frame says, its state: uninterruptible sleep is I/O wait.
 */
public final class BlockReasons {

    static final String IO = "io";

    private final FrameRules rules;

    public BlockReasons(FrameRules rules) {
        this.rules = rules;
    }

    /** @param frames the stack at switch-out, leaf first */
    public String decide(List<Frame> frames, TaskState state) {
        String byFrames = rules.classify(frames);
        if (!byFrames.equals(FrameRules.OTHER)) {
            return byFrames;
        }
        return state == TaskState.UNINTERRUPTIBLE ? IO : FrameRules.OTHER;
    }
}
