package dev.ebpf.profiling.agent.hotspot;

import dev.ebpf.profiling.api.profile.Hotspot;
import dev.ebpf.profiling.api.profile.LocationSplit;
import java.util.List;

/**
 * The hotspot part of a slice's profile.
 *
 * @param hotspots      each reported application's hottest stacks, in the order the applications
 *                      were asked for, hottest first within one application
 * @param locationSplit all samples of the slice split by verdict
 */
public record SliceHotspots(List<Hotspot> hotspots, LocationSplit locationSplit) {

    public SliceHotspots {
        hotspots = List.copyOf(hotspots);
    }

    /** One application's hotspots, hottest first. */
    public List<Hotspot> of(String application) {
        return hotspots.stream()
                .filter(hotspot -> hotspot.application().equals(application))
                .toList();
    }
}
