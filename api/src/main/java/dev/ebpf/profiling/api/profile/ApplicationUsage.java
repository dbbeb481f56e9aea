package dev.ebpf.profiling.api.profile;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * One application's share of the CPU in a slice.
 *
 * @param rank       1 for the busiest
 * @param name       the pod container, else the systemd unit, else the executable's name
 * @param cgroup     the cgroup path (relative to the cgroup root), or null when unknown
 * @param pod        the pod, when the processes run in a pod's cgroup; else null
 * @param pids       the process ids seen
 * @param samples    on-CPU samples (they give the hotspots)
 * @param cpuPercent the application's CPU time / (seconds x selected CPUs) x 100: the kernel's
 *                   running time when the profile's {@code cpuSource} is {@code sched_switch}, else
 *                   samples / (frequency x seconds x selected CPUs) x 100
 */
@JsonPropertyOrder({"rank", "name", "cgroup", "pod", "pids", "samples", "cpuPercent"})
public record ApplicationUsage(
        int rank, String name, String cgroup, PodRef pod, List<Integer> pids, long samples, double cpuPercent) {}
