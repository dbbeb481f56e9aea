package dev.ebpf.profiling.api.profile;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * One of an application's hottest stacks in a slice, with its verdict.
 *
 * @param application          the application the stack ran in
 * @param samples              samples of this stack
 * @param percentOfApplication samples / the application's samples x 100
 * @param percentOfTotal       samples / all samples of the slice x 100
 * @param location             where the time goes: application, library or kernel code
 * @param subsystem            for a kernel verdict, the kernel subsystem ({@code network},
 *                             {@code memory-reclaim}...); null otherwise
 * @param frames               the stack, leaf first
 */
@JsonPropertyOrder({
    "application",
    "samples",
    "percentOfApplication",
    "percentOfTotal",
    "location",
    "subsystem",
    "frames"
})
public record Hotspot(
        String application,
        long samples,
        double percentOfApplication,
        double percentOfTotal,
        Location location,
        String subsystem,
        List<Frame> frames) {

    /** The same hotspot under another application name (a pod named once its pod is known). */
    public Hotspot withApplication(String name) {
        return new Hotspot(name, samples, percentOfApplication, percentOfTotal, location, subsystem, frames);
    }
}
