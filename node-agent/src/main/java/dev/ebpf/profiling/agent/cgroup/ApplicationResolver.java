package dev.ebpf.profiling.agent.cgroup;

import dev.ebpf.profiling.api.profile.PodRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Decides who the application is for a sample's (tgid, cgroup id, kernel comm):
 * <ol>
 *   <li>a pod container (or another container) when the process's cgroup names one: first the
 *       v2 path of the cgroup id, then {@code /proc/PID/cgroup}, which finds pods on v1 and hybrid
 *       machines where the v2 id is just the root;</li>
 *   <li>otherwise the systemd unit, together with the process name (a unit such as cron.service
 *       runs many different programs, and the program is what the user needs to see);</li>
 *   <li>otherwise the executable's name: {@code /proc/PID/comm}, else the kernel's comm.</li>
 * </ol>
 * Processes that exited have no {@code /proc} entry: they are named by the kernel's comm and
 * placed by the cgroup id alone. Nothing here throws for a missing or unreadable process.
 *
 * <p>Call {@link #snapshot} with the slice's processes as soon as the slice ends (before more of
 * them exit); {@link #resolve} then uses what was read. Per-process facts are kept until
 * {@link #startSlice}, since a pid can be reused by another program later. Thread-safe.
 */
public final class ApplicationResolver {

    public static final Path PROC = Path.of("/proc");

    /** Display names show the short container id, as docker ps and crictl ps do. */
    static final int SHORT_ID_LENGTH = 12;

    /** What /proc said about one process; fields are null when it was gone or unreadable. */
    private record ProcessFacts(String comm, String cgroupPath) {
        static final ProcessFacts GONE = new ProcessFacts(null, null);
    }

    /** A sample's attribution inputs: one slice sees each many times (once per stack). */
    private record SampleKey(int tgid, long cgroupId, String kernelComm) {}

    private final CgroupPathLookup cgroups;
    private final Path procRoot;
    // All three live for one slice: pids get reused, cgroups get removed.
    private final Map<Integer, ProcessFacts> processes = new HashMap<>();
    private final Map<String, Workload> workloads = new HashMap<>();
    private final Map<SampleKey, Application> applications = new HashMap<>();

    public ApplicationResolver(CgroupPathLookup cgroups) {
        this(cgroups, PROC);
    }

    public ApplicationResolver(CgroupPathLookup cgroups, Path procRoot) {
        this.cgroups = cgroups;
        this.procRoot = procRoot;
    }

    /** Reads /proc for each of these processes now, unless already read in this slice. */
    public synchronized void snapshot(Collection<Integer> tgids) {
        for (int tgid : tgids) {
            processes.computeIfAbsent(tgid, this::readProcess);
        }
    }

    /** Forgets per-process facts: the next slice may see the same pids on other programs. */
    public synchronized void startSlice() {
        processes.clear();
        workloads.clear();
        applications.clear();
    }

    /**
     * The application of one sample key.
     *
     * @param kernelComm the thread's comm as the kernel reported it (up to 16 bytes, possibly
     *     NUL-padded)
     */
    public synchronized Application resolve(int tgid, long cgroupId, String kernelComm) {
        return applications.computeIfAbsent(new SampleKey(tgid, cgroupId, kernelComm), this::decide);
    }

    private Application decide(SampleKey sample) {
        int tgid = sample.tgid();
        String kernelComm = sample.kernelComm();
        ProcessFacts facts = processes.computeIfAbsent(tgid, this::readProcess);
        String processName = facts.comm() != null ? facts.comm() : kernelName(tgid, kernelComm);

        List<Workload> candidates = new ArrayList<>(2);
        cgroups.pathOf(sample.cgroupId()).ifPresent(path -> candidates.add(workloadOf(path)));
        if (facts.cgroupPath() != null) {
            candidates.add(workloadOf(facts.cgroupPath()));
        }
        for (Workload workload : candidates) {
            if (workload.isPod() || workload.isContainer()) {
                return container(workload, processName);
            }
        }
        for (Workload workload : candidates) {
            if (workload.systemdUnit() != null) {
                return new Application(
                        "unit:" + workload.path() + ":" + processName,
                        "systemd: " + workload.systemdUnit() + " (" + processName + ")",
                        workload.path(),
                        null,
                        processName);
            }
        }
        String cgroup = candidates.isEmpty() ? null : candidates.getFirst().path();
        return new Application("process:" + processName, processName, cgroup, null, processName);
    }

    private static Application container(Workload workload, String processName) {
        String id = workload.containerId();
        if (!workload.isPod()) {
            String runtime = workload.runtime().name().toLowerCase(Locale.ROOT);
            return new Application("container:" + id, runtime + " " + shortId(id), workload.path(), null, processName);
        }
        String key = "pod:" + workload.podUid();
        String name = "pod " + workload.podUid();
        if (id != null) {
            // conmon is CRI-O's monitor of the container, not the container's own work.
            String monitor = workload.containerMonitor() ? " conmon" : "";
            key += "/" + id + (workload.containerMonitor() ? "/conmon" : "");
            name += " (" + shortId(id) + monitor + ")";
        }
        return new Application(key, name, workload.path(), PodRef.fromCgroup(workload.podUid(), id), processName);
    }

    private static String shortId(String containerId) {
        return containerId.substring(0, Math.min(SHORT_ID_LENGTH, containerId.length()));
    }

    /** The kernel's comm up to its NUL padding; "pid N" when the kernel gave none. */
    private static String kernelName(int tgid, String kernelComm) {
        String name = kernelComm == null ? "" : kernelComm;
        int nul = name.indexOf('\0');
        name = (nul >= 0 ? name.substring(0, nul) : name).strip();
        return name.isEmpty() ? "pid " + tgid : name;
    }

    private Workload workloadOf(String path) {
        return workloads.computeIfAbsent(path, CgroupPathParser::parse);
    }

    private ProcessFacts readProcess(int tgid) {
        if (!Files.isDirectory(procRoot.resolve(Integer.toString(tgid)))) {
            return ProcessFacts.GONE; // exited: cheaper to ask once than to fail two reads
        }
        String comm;
        try {
            comm = Files.readString(procRoot.resolve(Integer.toString(tgid)).resolve("comm"))
                    .strip();
            if (comm.isEmpty()) {
                comm = null;
            }
        } catch (IOException e) {
            comm = null; // exited, or not ours to read: the kernel's comm stands in
        }
        String cgroupPath = ProcCgroupFile.read(procRoot, tgid)
                .map(ProcCgroupFile::workloadPath)
                .orElse(null);
        return new ProcessFacts(comm, cgroupPath);
    }
}
