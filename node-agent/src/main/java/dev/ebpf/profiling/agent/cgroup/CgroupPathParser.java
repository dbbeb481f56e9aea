package dev.ebpf.profiling.agent.cgroup;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the pod UID, container id, runtime, QoS class or systemd unit out of a cgroup path, as
 * the kubelet, the container runtimes and systemd name their cgroups:
 * <pre>
 * systemd driver   /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod&lt;uid_with_underscores&gt;.slice/cri-containerd-&lt;id&gt;.scope
 *                  /kubepods.slice/kubepods-pod&lt;uid&gt;.slice/crio-&lt;id&gt;.scope          (Guaranteed QoS)
 * cgroupfs driver  /kubepods/besteffort/pod&lt;uid&gt;/&lt;id&gt;    /kubepods/pod&lt;uid&gt;/crio-&lt;id&gt;
 * plain Docker     /system.slice/docker-&lt;id&gt;.scope    /docker/&lt;id&gt;
 * systemd          /system.slice/cron.service    /user.slice/user-1000.slice/session-3.scope
 * </pre>
 * Nested hierarchies (a kind node inside a Docker container, kubelet {@code --cgroup-root}
 * prefixes such as {@code kubelet-kubepods-...}) resolve to the innermost pod or container,
 * which is the workload the process belongs to. The parser never throws on odd input: what it
 * does not recognise comes back as {@link Workload} with null fields.
 */
public final class CgroupPathParser {

    private static final String HEX64 = "[0-9a-f]{64}";

    /**
     * Pod UIDs are RFC 4122 UUIDs; static pods get a 32-hex md5 instead. The systemd driver
     * writes the UUID's dashes as underscores, because '-' is systemd's slice separator.
     */
    private static String podUid(char separator) {
        String s = Pattern.quote(String.valueOf(separator));
        return "[0-9a-f]{8}" + s + "[0-9a-f]{4}" + s + "[0-9a-f]{4}" + s + "[0-9a-f]{4}" + s + "[0-9a-f]{12}"
                + "|[0-9a-f]{32}";
    }

    /** {@code [<cgroup-root>-]kubepods[-<qos>]-pod<uid>.slice}. */
    private static final Pattern SYSTEMD_POD =
            Pattern.compile("(?:.+-)?kubepods(?:-(burstable|besteffort))?-pod(" + podUid('_') + ")\\.slice");

    /** {@code pod<uid>}, only valid under {@code kubepods} or {@code kubepods/<qos>}. */
    private static final Pattern CGROUPFS_POD = Pattern.compile("pod(" + podUid('-') + ")");

    private static final String KUBEPODS = "kubepods";

    /** The kubelet's QoS cgroup names; Guaranteed pods sit directly under kubepods. */
    private static final Map<String, QosClass> QOS_SEGMENTS =
            Map.of("burstable", QosClass.BURSTABLE, "besteffort", QosClass.BEST_EFFORT);

    /** Runtime-prefixed container cgroups; ".scope" under the systemd driver, none under cgroupfs. */
    private static final Pattern PREFIXED_CONTAINER =
            Pattern.compile("(cri-containerd|crio-conmon|crio|docker)-(" + HEX64 + ")(?:\\.scope)?");

    private static final Pattern BARE_CONTAINER = Pattern.compile(HEX64);

    /** Docker's cgroupfs parent: {@code /docker/<id>}. */
    private static final String DOCKER_PARENT = "docker";

    /** Unit types whose cgroups hold processes. Slices only group other units. */
    private static final Pattern SYSTEMD_UNIT = Pattern.compile(".+\\.(service|scope|socket|mount|swap)");

    private CgroupPathParser() {}

    /** Parses one cgroup path (absolute or relative to the cgroup root). */
    public static Workload parse(String path) {
        Objects.requireNonNull(path, "path");
        List<String> segments =
                Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();

        for (int i = segments.size() - 1; i >= 0; i--) {
            Workload pod = podAt(path, segments, i);
            if (pod != null) {
                return pod;
            }
        }
        for (int i = segments.size() - 1; i >= 0; i--) {
            Workload container = containerAt(path, segments, i, null, null);
            if (container != null) {
                return container;
            }
        }
        for (int i = segments.size() - 1; i >= 0; i--) {
            if (SYSTEMD_UNIT.matcher(segments.get(i)).matches()) {
                return Workload.systemdUnit(path, segments.get(i));
            }
        }
        return Workload.unrecognised(path);
    }

    /** The pod (and its container, if the next segment is one) when segment i is a pod cgroup. */
    private static Workload podAt(String path, List<String> segments, int i) {
        String segment = segments.get(i);
        String uid;
        QosClass qos;
        Matcher systemd = SYSTEMD_POD.matcher(segment);
        Matcher cgroupfs = CGROUPFS_POD.matcher(segment);
        if (systemd.matches()) {
            uid = systemd.group(2).replace('_', '-');
            qos = systemd.group(1) == null ? QosClass.GUARANTEED : QOS_SEGMENTS.get(systemd.group(1));
        } else if (cgroupfs.matches() && i >= 1) {
            String parent = segments.get(i - 1);
            if (parent.equals(KUBEPODS)) {
                qos = QosClass.GUARANTEED;
            } else if (QOS_SEGMENTS.containsKey(parent)
                    && i >= 2
                    && segments.get(i - 2).equals(KUBEPODS)) {
                qos = QOS_SEGMENTS.get(parent);
            } else {
                return null;
            }
            uid = cgroupfs.group(1);
        } else {
            return null;
        }
        if (i + 1 < segments.size()) {
            Workload container = containerAt(path, segments, i + 1, uid, qos);
            if (container != null) {
                return container;
            }
        }
        return new Workload(path, uid, qos, null, null, false, null);
    }

    /** The container named by segment i, or null. Bare ids count only inside a pod or /docker. */
    private static Workload containerAt(String path, List<String> segments, int i, String podUid, QosClass qos) {
        String segment = segments.get(i);
        Matcher prefixed = PREFIXED_CONTAINER.matcher(segment);
        if (prefixed.matches()) {
            String prefix = prefixed.group(1);
            ContainerRuntime runtime = switch (prefix) {
                case "cri-containerd" -> ContainerRuntime.CONTAINERD;
                case "crio", "crio-conmon" -> ContainerRuntime.CRIO;
                default -> ContainerRuntime.DOCKER;
            };
            return new Workload(path, podUid, qos, prefixed.group(2), runtime, prefix.equals("crio-conmon"), null);
        }
        if (BARE_CONTAINER.matcher(segment).matches()) {
            if (podUid != null) {
                return new Workload(path, podUid, qos, segment, ContainerRuntime.UNKNOWN, false, null);
            }
            if (i >= 1 && segments.get(i - 1).equals(DOCKER_PARENT)) {
                return new Workload(path, null, null, segment, ContainerRuntime.DOCKER, false, null);
            }
        }
        return null;
    }
}
