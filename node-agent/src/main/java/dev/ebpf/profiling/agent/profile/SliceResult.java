package dev.ebpf.profiling.agent.profile;

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
 * @param stacks  every stack of the slice, named
 * @param pods    the pod of each application name that runs in one
 */
public record SliceResult(NodeProfile profile, List<SymbolizedStack> stacks, Map<String, PodRef> pods) {
}
