package dev.ebpf.profiling.agent.cgroup;

/** The container runtime whose cgroup naming a path shows. */
public enum ContainerRuntime {
    /** {@code cri-containerd-<id>.scope} (systemd driver). */
    CONTAINERD,
    /** {@code crio-<id>.scope}, {@code crio-<id>} and the monitor {@code crio-conmon-<id>}. */
    CRIO,
    /** {@code docker-<id>.scope} (systemd driver) and {@code /docker/<id>} (cgroupfs driver). */
    DOCKER,
    /**
     * A bare {@code <id>} under a cgroupfs-driver pod: containerd and dockershim both name the
     * container cgroup by its id alone, so the path does not tell which.
     */
    UNKNOWN
}
