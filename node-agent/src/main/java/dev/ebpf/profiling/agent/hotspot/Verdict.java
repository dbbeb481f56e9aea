package dev.ebpf.profiling.agent.hotspot;

import dev.ebpf.profiling.api.profile.Location;

/**
 * Where a stack's time goes.
 *
 * @param location  application, library, kernel or unknown code
 * @param subsystem the kernel subsystem for a kernel location, else null
 */
public record Verdict(Location location, String subsystem) {

    public static final Verdict APPLICATION = new Verdict(Location.APPLICATION, null);
    public static final Verdict LIBRARY = new Verdict(Location.LIBRARY, null);
    public static final Verdict UNKNOWN = new Verdict(Location.UNKNOWN, null);

    public static Verdict kernel(String subsystem) {
        return new Verdict(Location.KERNEL, subsystem);
    }
}
