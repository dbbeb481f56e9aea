package dev.ebpf.profiling.agent.cgroup;

import dev.ebpf.profiling.api.profile.PodRef;

/**
 * The application a sample is charged to.
 *
 * @param key stable grouping key: samples with equal keys belong to one application
 *     ({@code pod:<uid>/<container id>}, {@code container:<id>},
 *     {@code unit:<cgroup path>:<process>}, {@code process:<name>})
 * @param name display name: {@code pod <uid> (<container id, 12 chars>)},
 *     {@code docker <container id, 12 chars>}, {@code systemd: cron.service (cron)}, {@code nginx}
 * @param cgroup the cgroup path the attribution came from, or null when neither the cgroup id
 *     nor {@code /proc} told us one
 * @param pod the pod container (uid and container id from the path; names stay null here), or
 *     null when not in a pod
 * @param processName the process's name: {@code /proc/PID/comm}, else the kernel's comm
 */
public record Application(String key, String name, String cgroup, PodRef pod, String processName) {}
