package dev.ebpf.profiling.agent.hotspot;

import dev.ebpf.profiling.api.profile.Frame;
import java.util.List;

/**
 * Time an off-CPU sampler counted for one (process, stacks, state) key in a slice, with the
 * stacks taken at switch-out already named (see SliceSymbols#frames).
 *
 * @param tgid         the process id
 * @param application  the application the process belongs to
 * @param frames       kernel frames then user frames, leaf first
 * @param blockedNanos how long the task was off the CPU with this stack
 * @param state        the task's state when it switched out
 */
public record BlockedStack(int tgid, String application, List<Frame> frames, long blockedNanos, TaskState state) {

    public BlockedStack {
        if (blockedNanos < 0) {
            throw new IllegalArgumentException("blocked time cannot be negative, got " + blockedNanos + " ns");
        }
        frames = List.copyOf(frames);
    }
}
