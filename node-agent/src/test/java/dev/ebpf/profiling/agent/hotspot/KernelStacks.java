package dev.ebpf.profiling.agent.hotspot;

import dev.ebpf.profiling.api.profile.Frame;
import java.util.Arrays;
import java.util.List;

/** Test stacks written the way people read them: {@code leaf <- caller <- ...}. */
final class KernelStacks {

    private KernelStacks() {}

    static List<Frame> kernel(String leafFirst) {
        return Arrays.stream(leafFirst.split("<-"))
                .map(String::strip)
                .map(name -> new Frame(name, "vmlinux", Frame.Origin.KERNEL))
                .toList();
    }
}
