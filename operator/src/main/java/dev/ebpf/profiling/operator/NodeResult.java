package dev.ebpf.profiling.operator;

import dev.ebpf.profiling.api.profile.Hotspot;
import dev.ebpf.profiling.api.profile.NodeProfile;
import java.util.List;

/**
 * One node's result for one slice, read from its result ConfigMap.
 *
 * @param node      the node (from the ConfigMap's node label's source: the profile's node)
 * @param configMap the result ConfigMap's name
 * @param slice     the slice label, such as 20261126T120500Z
 * @param profile   the document under profile.json
 */
public record NodeResult(String node, String configMap, String slice, NodeProfile profile) {

    /** The profile's hotspots; none when the agent sent none. */
    public List<Hotspot> hotspots() {
        return profile.hotspots() == null ? List.of() : profile.hotspots();
    }

    /** Samples the node could have taken: frequency x seconds x CPUs. The denominator of CPU%. */
    public double capacitySamples() {
        return profile.frequencyHz()
                * profile.durationSeconds()
                * profile.cpus().size();
    }

    /** CPU seconds the node's selected CPUs had: seconds x CPUs. The denominator of an exact CPU%. */
    public double capacityCpuSeconds() {
        return profile.durationSeconds() * profile.cpus().size();
    }
}
