package dev.ebpf.profiling.agent.cgroup;

/**
 * What a cgroup path says about the workload inside it. Fields that the path does not show are
 * null; exactly one of these shapes holds:
 * <ul>
 *   <li>pod container: {@code podUid}, {@code qosClass}, {@code containerId}, {@code runtime};
 *       {@code containerMonitor} is true for the runtime's monitor of that container (CRI-O's
 *       conmon), not the container's own processes;</li>
 *   <li>pod-level cgroup: {@code podUid}, {@code qosClass}, no container;</li>
 *   <li>container outside Kubernetes (e.g. {@code docker run}): {@code containerId},
 *       {@code runtime}, no pod;</li>
 *   <li>systemd unit: {@code systemdUnit}, e.g. {@code cron.service} or {@code session-3.scope};</li>
 *   <li>none of these (the root, or an unrecognised path): all null.</li>
 * </ul>
 *
 * @param path the cgroup path this was read from, as given
 */
public record Workload(
        String path,
        String podUid,
        QosClass qosClass,
        String containerId,
        ContainerRuntime runtime,
        boolean containerMonitor,
        String systemdUnit) {

    static Workload unrecognised(String path) {
        return new Workload(path, null, null, null, null, false, null);
    }

    static Workload systemdUnit(String path, String unit) {
        return new Workload(path, null, null, null, null, false, unit);
    }

    /** True when the path is inside a Kubernetes pod's cgroup (with or without a container). */
    public boolean isPod() {
        return podUid != null;
    }

    /** True when the path names a container, in a pod or not. */
    public boolean isContainer() {
        return containerId != null;
    }
}
