package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.agent.hotspot.BlockedStack;
import dev.ebpf.profiling.agent.profile.SliceResult;
import dev.ebpf.profiling.agent.symbolize.SymbolizedStack;
import dev.ebpf.profiling.api.profile.ApplicationUsage;
import dev.ebpf.profiling.api.profile.Hotspot;
import dev.ebpf.profiling.api.profile.NetRxApplication;
import dev.ebpf.profiling.api.profile.NetRxProfile;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.OffCpuApplication;
import dev.ebpf.profiling.api.profile.OffCpuProfile;
import dev.ebpf.profiling.api.profile.PodRef;
import dev.ebpf.profiling.api.profile.SoftirqCpu;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Fills in the namespace, name and container of the pods a node profile saw by UID, from the pods
 * on this node that the job may see, and names the applications as people know them:
 * {@code pod web/nginx-7d9f-x2 (nginx)}.
 */
public final class PodNames {

    private PodNames() {}

    /** The slice with every known pod named; applications, hotspots and stacks are renamed alike. */
    public static SliceResult named(SliceResult slice, Map<String, Pod> podsByUid) {
        Map<String, String> renamed = new HashMap<>();
        NodeProfile profile = named(slice.profile(), podsByUid, renamed);
        List<SymbolizedStack> stacks = slice.stacks().stream()
                .map(stack -> new SymbolizedStack(
                        stack.tgid(),
                        renamed.getOrDefault(stack.application(), stack.application()),
                        stack.frames(),
                        stack.count()))
                .toList();
        List<BlockedStack> blocked = slice.blocked().stream()
                .map(b -> new BlockedStack(
                        b.tgid(),
                        renamed.getOrDefault(b.application(), b.application()),
                        b.frames(),
                        b.blockedNanos(),
                        b.state()))
                .toList();
        Map<String, PodRef> pods = new HashMap<>();
        profile.topApplications().stream()
                .filter(app -> app.pod() != null)
                .forEach(app -> pods.put(app.name(), app.pod()));
        slice.pods().forEach((name, pod) -> pods.putIfAbsent(renamed.getOrDefault(name, name), pod));
        return new SliceResult(profile, stacks, blocked, pods);
    }

    /** The profile with every known pod named; {@code renamed} receives each old name's new one. */
    static NodeProfile named(NodeProfile profile, Map<String, Pod> podsByUid, Map<String, String> renamed) {
        List<ApplicationUsage> apps = new ArrayList<>();
        for (ApplicationUsage app : profile.topApplications()) {
            Pod pod = app.pod() == null ? null : podsByUid.get(app.pod().uid());
            if (pod == null) {
                apps.add(app);
                continue;
            }
            PodRef named = namedPod(app.pod(), pod);
            String name = applicationName(named);
            renamed.put(app.name(), name);
            apps.add(new ApplicationUsage(
                    app.rank(), name, app.cgroup(), named, app.pids(), app.samples(), app.cpuPercent()));
        }
        List<Hotspot> hotspots = profile.hotspots().stream()
                .map(h -> h.withApplication(renamed.getOrDefault(h.application(), h.application())))
                .toList();
        return new NodeProfile(
                profile.node(),
                profile.event(),
                profile.frequencyHz(),
                profile.cpus(),
                profile.start(),
                profile.end(),
                profile.durationSeconds(),
                profile.totalSamples(),
                profile.lostSamples(),
                profile.lost(),
                apps,
                hotspots,
                profile.locationSplit(),
                renamedOffCpu(profile.offCpu(), renamed),
                profile.cpuSource(),
                profile.unwinding(),
                renamedNetRx(profile.netRx(), podsByUid, renamed));
    }

    /** Net-rx applications are named from their own pod (a pod that only reads may never be on-CPU). */
    private static NetRxProfile renamedNetRx(
            NetRxProfile netRx, Map<String, Pod> podsByUid, Map<String, String> renamed) {
        if (netRx == null) {
            return null;
        }
        List<NetRxApplication> apps = new ArrayList<>();
        for (NetRxApplication app : netRx.applications()) {
            Pod pod = app.pod() == null ? null : podsByUid.get(app.pod().uid());
            if (pod == null) {
                apps.add(app);
                continue;
            }
            PodRef named = namedPod(app.pod(), pod);
            String name = applicationName(named);
            renamed.put(app.name(), name);
            apps.add(app.withPod(named).withApplication(name));
        }
        List<SoftirqCpu> softirq = netRx.softirq().stream()
                .map(cpu -> new SoftirqCpu(
                        cpu.node(),
                        cpu.cpu(),
                        cpu.netRxPercent(),
                        cpu.netRxMs(),
                        cpu.netRxRuns(),
                        cpu.netTxPercent(),
                        cpu.netTxMs(),
                        cpu.netTxRuns(),
                        cpu.napiPolls(),
                        cpu.packetsPerPoll(),
                        cpu.interrupted().stream()
                                .map(i -> new SoftirqCpu.Interrupted(
                                        renamed.getOrDefault(i.name(), i.name()), i.netRxMs(), i.netRxPercent()))
                                .toList()))
                .toList();
        return new NetRxProfile(apps, softirq, netRx.lost());
    }

    /** Off-CPU applications take the names their on-CPU twins got (a pod only ever seen blocked keeps its uid name). */
    private static OffCpuProfile renamedOffCpu(OffCpuProfile offCpu, Map<String, String> renamed) {
        if (offCpu == null) {
            return null;
        }
        return new OffCpuProfile(
                offCpu.topApplications().stream()
                        .map(a -> new OffCpuApplication(
                                a.rank(), renamed.getOrDefault(a.name(), a.name()), a.pids(), a.blockedSeconds()))
                        .toList(),
                offCpu.hotspots().stream()
                        .map(h -> h.withApplication(renamed.getOrDefault(h.application(), h.application())))
                        .toList());
    }

    /** The pod reference with the pod's namespace, name and (when the cgroup's id matches one) container name. */
    private static PodRef namedPod(PodRef ref, Pod pod) {
        return ref.withNames(
                pod.getMetadata().getNamespace(), pod.getMetadata().getName(), containerName(pod, ref.containerId()));
    }

    /** {@code pod <namespace>/<name> (<container>)}, without the container part when it is unknown. */
    private static String applicationName(PodRef named) {
        return "pod " + named.namespace() + "/" + named.name()
                + (named.container() == null ? "" : " (" + named.container() + ")");
    }

    /** The container whose runtime id (e.g. {@code containerd://<id>}) ends with the cgroup's container id. */
    private static String containerName(Pod pod, String containerId) {
        if (containerId == null || pod.getStatus() == null) {
            return null;
        }
        List<ContainerStatus> statuses = new ArrayList<>();
        if (pod.getStatus().getContainerStatuses() != null) {
            statuses.addAll(pod.getStatus().getContainerStatuses());
        }
        if (pod.getStatus().getInitContainerStatuses() != null) {
            statuses.addAll(pod.getStatus().getInitContainerStatuses());
        }
        return statuses.stream()
                .filter(status -> status.getContainerID() != null
                        && status.getContainerID().endsWith(containerId))
                .map(ContainerStatus::getName)
                .findFirst()
                .orElse(null);
    }
}
