package dev.ebpf.profiling.agent.profile;

import dev.ebpf.profiling.agent.hotspot.BlockedStack;
import dev.ebpf.profiling.agent.symbolize.SymbolizedStack;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.PodRef;
import java.util.List;
import java.util.Map;

/**
 * One analysed slice: the result document, and the full symbolized stacks behind it (for the
 * folded, pprof and flame graph outputs, which keep every stack, not only the hotspots).
 *
 * @param profile the result document
 * @param stacks  every on-CPU stack of the slice, named
 * @param blocked every off-CPU stack of the slice, named (empty without off-CPU sampling)
 * @param pods    the pod of each application name that runs in one
 */
public record SliceResult(
        NodeProfile profile, List<SymbolizedStack> stacks, List<BlockedStack> blocked, Map<String, PodRef> pods) {

    /** Off-CPU stacks as folded-stack input: one count per microsecond blocked. */
    public List<SymbolizedStack> blockedMicroseconds() {
        return blocked.stream()
                .filter(b -> b.blockedNanos() >= 1_000)
                .map(b -> new SymbolizedStack(b.tgid(), b.application(), b.frames(), b.blockedNanos() / 1_000))
                .toList();
    }
}
