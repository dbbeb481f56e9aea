package dev.ebpf.profiling.api.profile;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * One of an application's stacks where its tasks waited longest off the CPU in a slice.
 *
 * @param application          the application
 * @param blockedSeconds       time blocked with this stack, summed over tasks
 * @param percentOfApplication blockedSeconds / the application's blocked seconds x 100
 * @param reason               {@code sleep}, {@code io}, {@code lock}, {@code net} or {@code other}
 * @param frames               the stack at switch-out, leaf first
 */
@JsonPropertyOrder({"application", "blockedSeconds", "percentOfApplication", "reason", "frames"})
public record OffCpuHotspot(
        String application, double blockedSeconds, double percentOfApplication, String reason, List<Frame> frames) {

    /** The same hotspot under another application name (a pod named once its pod is known). */
    public OffCpuHotspot withApplication(String name) {
        return new OffCpuHotspot(name, blockedSeconds, percentOfApplication, reason, frames);
    }
}
