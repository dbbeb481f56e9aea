package dev.ebpf.profiling.agent.cgroup;

import java.util.Optional;

/** Turns a cgroup v2 id (what {@code bpf_get_current_cgroup_id()} reports) into its path. */
@FunctionalInterface
public interface CgroupPathLookup {

    /** The cgroup path, e.g. {@code /system.slice/cron.service}; empty when the id is unknown. */
    Optional<String> pathOf(long cgroupId);
}
