package dev.ebpf.profiling.agent.testsupport;

import dev.ebpf.profiling.agent.cgroup.CgroupMount;
import dev.ebpf.profiling.agent.cgroup.QosClass;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Real, pod-shaped cgroups for tests that run as root: what the kubelet and containerd would
 * create for one pod (systemd driver), with real processes inside. Call
 * {@link RequiresRoot#assumeRoot()} first.
 *
 * <pre>
 * try (PodCgroups pod = PodCgroups.builder()
 *         .container()        // container 0: unlimited
 *         .container(0.25)    // container 1: throttled to a quarter of one CPU
 *         .build()) {
 *     Process busy = pod.container(1).startBusyLoop();
 *     long id = pod.container(1).cgroupId();             // what bpf_get_current_cgroup_id() reports
 *     ... profile ...
 *     long usedMicros = pod.container(1).cpuUsageMicros(); // the cgroup's own CPU time
 * }                                                       // kills our processes, removes the cgroups
 * </pre>
 *
 * <p>Layout: {@code /kubepods.slice[/kubepods-<qos>.slice]/kubepods[-<qos>]-pod<uid>.slice/cri-containerd-<id>.scope}
 * in the cgroup v2 hierarchy, with a fresh random pod uid and container ids, so parallel
 * fixtures do not collide. CPU limits go where this machine can enforce them: {@code cpu.max}
 * when cgroup v2 has the cpu controller, else the same path is mirrored in the v1 {@code cpu}
 * hierarchy and limited with {@code cpu.cfs_quota_us} (hybrid machines such as the CI VMs).
 * Processes started or moved in are placed in both hierarchies.
 *
 * <p>{@link #close()} kills the processes the fixture started, moves any other process left in
 * its cgroups back to the root cgroup, and removes every directory it created, even when the
 * test failed. It throws if a cgroup it created could not be removed.
 */
public final class PodCgroups implements AutoCloseable {

    /** The CFS period used for v1 quotas and cpu.max, the kernel's default. */
    static final long CFS_PERIOD_MICROS = 100_000;

    private static final long CLEANUP_TIMEOUT_MILLIS = 5_000;
    private static final String CPU_CONTROLLER = "cpu";

    private final CgroupMount v2;
    private final CgroupMount v1Cpu; // null when nothing is mirrored into v1
    private final boolean v2HasCpu;
    private final String podUid;
    private final QosClass qos;
    private final String podPath;
    private final List<Container> containers = new ArrayList<>();
    private final List<Path> createdDirectories = new ArrayList<>(); // own pod and containers, in creation order
    private final List<Path> sharedParents = new ArrayList<>(); // kubepods.slice and QoS slices, deepest last

    /**
     * Shared parents (kubepods.slice, kubepods-burstable.slice) that some fixture of this JVM
     * created; the last fixture to close removes them. Parents that existed before (a real
     * kubelet's) are never removed. Guarded by itself, which also serialises mkdir and rmdir of
     * shared parents between fixtures.
     */
    private static final Set<Path> SHARED_PARENTS_CREATED = new HashSet<>();

    private final StartedProcesses startedProcesses = new StartedProcesses();

    /** Starts a fixture description; nothing is created until {@link Builder#build()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Describes a pod: its QoS class, its containers and their CPU limits. */
    public static final class Builder {
        private final List<OptionalDouble> limits = new ArrayList<>();
        private QosClass qos = QosClass.GUARANTEED;
        private boolean mirrorInV1;
        private String podUid = UUID.randomUUID().toString();

        private Builder() {}

        /** Uses this pod uid instead of a random one (to match a pod that an API server created). */
        public Builder podUid(String uid) {
            this.podUid = uid;
            return this;
        }

        /** Adds a container without a CPU limit. */
        public Builder container() {
            limits.add(OptionalDouble.empty());
            return this;
        }

        /** Adds a container limited to {@code cpus} CPUs (e.g. 0.25 = a quarter of one CPU). */
        public Builder container(double cpus) {
            if (!(cpus > 0)) {
                throw new IllegalArgumentException("CPU limit must be positive, got " + cpus);
            }
            limits.add(OptionalDouble.of(cpus));
            return this;
        }

        /** QoS class, which decides the parent slice; Guaranteed (directly under kubepods) by default. */
        public Builder qos(QosClass qos) {
            this.qos = qos;
            return this;
        }

        /**
         * Also mirrors the pod into the v1 {@code cpu} hierarchy when no limit requires it, so that
         * /proc/PID/cgroup shows the pod there (the hybrid-machine case where the v2 id is the root).
         */
        public Builder mirrorInV1Cpu() {
            this.mirrorInV1 = true;
            return this;
        }

        /** Creates the cgroups. If anything fails, whatever was created is removed again. */
        public PodCgroups build() {
            if (!RequiresRoot.isRoot()) {
                throw new IllegalStateException("PodCgroups needs root: call RequiresRoot.assumeRoot() first");
            }
            if (limits.isEmpty()) {
                throw new IllegalStateException("a pod needs at least one container");
            }
            PodCgroups pod = new PodCgroups(podUid, qos, limits, mirrorInV1);
            try {
                pod.create(limits);
            } catch (RuntimeException e) {
                try {
                    pod.close();
                } catch (RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                }
                throw e;
            }
            return pod;
        }
    }

    /** One container's cgroup. */
    public final class Container {
        private final String id;
        private final String relativePath;
        private final OptionalDouble cpuLimit;

        private Container(String id, String relativePath, OptionalDouble cpuLimit) {
            this.id = id;
            this.relativePath = relativePath;
            this.cpuLimit = cpuLimit;
        }

        /** The 64-hex container id in the cgroup name. */
        public String id() {
            return id;
        }

        /** The cgroup path, e.g. {@code /kubepods.slice/kubepods-pod<uid>.slice/cri-containerd-<id>.scope}. */
        public String path() {
            return "/" + relativePath;
        }

        /** The cgroup v2 id: the inode of the container's directory. */
        public long cgroupId() {
            try {
                return (Long) Files.getAttribute(v2Directory(), "unix:ino", LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot stat " + v2Directory() + ": " + e.getMessage(), e);
            }
        }

        public Path v2Directory() {
            return v2.directory().resolve(relativePath);
        }

        /** The mirror in the v1 cpu hierarchy, when the pod has one. */
        public Optional<Path> v1CpuDirectory() {
            return Optional.ofNullable(v1Cpu).map(m -> m.directory().resolve(relativePath));
        }

        /** The CPU limit this container was built with, in CPUs. */
        public OptionalDouble cpuLimit() {
            return cpuLimit;
        }

        /**
         * Starts {@code command} and moves it into this container (v2, and v1 when mirrored). The
         * fixture kills it on close. Its output is discarded.
         */
        public Process start(String... command) {
            Process process;
            try {
                process = new ProcessBuilder(command)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + String.join(" ", command) + ": " + e.getMessage(), e);
            }
            startedProcesses.add(process);
            moveIn(process.pid());
            return process;
        }

        /** Starts a shell loop that keeps one CPU busy (no child processes), inside this container. */
        public Process startBusyLoop() {
            return start("sh", "-c", "while :; do :; done");
        }

        /** Moves a running process (all its threads) into this container. */
        public void moveIn(long pid) {
            writeControl(v2Directory().resolve("cgroup.procs"), Long.toString(pid));
            v1CpuDirectory().ifPresent(dir -> writeControl(dir.resolve("cgroup.procs"), Long.toString(pid)));
        }

        /** CPU time used inside this cgroup so far: {@code usage_usec} of its v2 {@code cpu.stat}. */
        public long cpuUsageMicros() {
            Path stat = v2Directory().resolve("cpu.stat");
            try (Stream<String> lines = Files.lines(stat)) {
                return lines.filter(line -> line.startsWith("usage_usec "))
                        .mapToLong(line -> Long.parseLong(
                                line.substring("usage_usec ".length()).strip()))
                        .findFirst()
                        .orElseThrow(() -> new IllegalStateException(stat + " has no usage_usec line"));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + stat + ": " + e.getMessage(), e);
            }
        }
    }

    private PodCgroups(String podUid, QosClass qos, List<OptionalDouble> limits, boolean mirrorInV1) {
        this.v2 = CgroupMount.findUnified();
        this.v2HasCpu =
                readControl(v2.directory().resolve("cgroup.controllers")).contains(CPU_CONTROLLER);
        boolean limited = limits.stream().anyMatch(OptionalDouble::isPresent);
        if (mirrorInV1 || (limited && !v2HasCpu)) {
            this.v1Cpu = CgroupMount.findV1(CgroupMount.PROC_SELF_MOUNTINFO, Path.of("/"), CPU_CONTROLLER)
                    .orElseThrow(() ->
                            new IllegalStateException("cannot place the pod in a v1 cpu hierarchy: none is mounted"
                                    + (v2HasCpu ? "" : ", and cgroup v2 has no cpu controller")));
        } else {
            this.v1Cpu = null;
        }
        this.qos = qos;
        this.podUid = podUid;
        String systemdUid = podUid.replace('-', '_');
        this.podPath = switch (qos) {
            case GUARANTEED -> "kubepods.slice/kubepods-pod" + systemdUid + ".slice";
            case BURSTABLE -> "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + systemdUid + ".slice";
            case BEST_EFFORT ->
                "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + systemdUid + ".slice";
        };
    }

    private void create(List<OptionalDouble> limits) {
        boolean limitInV2 = v2HasCpu && limits.stream().anyMatch(OptionalDouble::isPresent);
        for (OptionalDouble limit : limits) {
            byte[] random = new byte[32];
            ThreadLocalRandom.current().nextBytes(random);
            String id = HexFormat.of().formatHex(random);
            Container container = new Container(id, podPath + "/cri-containerd-" + id + ".scope", limit);
            makeDirectories(v2.directory(), container.relativePath, limitInV2);
            if (v1Cpu != null) {
                makeDirectories(v1Cpu.directory(), container.relativePath, false);
            }
            limit.ifPresent(cpus -> limitCpu(container, cpus));
            containers.add(container);
        }
    }

    /**
     * mkdir -p, remembering what we made; with enableCpu, delegates the cpu controller down to
     * the leaf. The levels above the pod are shared with other pods and fixtures.
     */
    private void makeDirectories(Path mountDir, String relativePath, boolean enableCpu) {
        Path pod = mountDir.resolve(podPath);
        Path dir = mountDir;
        synchronized (SHARED_PARENTS_CREATED) {
            for (Path name : Path.of(relativePath)) {
                if (enableCpu
                        && !readControl(dir.resolve("cgroup.subtree_control")).contains(CPU_CONTROLLER)) {
                    writeControl(dir.resolve("cgroup.subtree_control"), "+" + CPU_CONTROLLER);
                }
                dir = dir.resolve(name);
                boolean shared = pod.startsWith(dir) && !pod.equals(dir);
                if (shared && !sharedParents.contains(dir)) {
                    sharedParents.add(dir);
                }
                try {
                    Files.createDirectory(dir);
                    if (shared) {
                        SHARED_PARENTS_CREATED.add(dir);
                    } else {
                        createdDirectories.add(dir);
                    }
                } catch (FileAlreadyExistsException e) {
                    // A shared parent that another pod or fixture already made, or the pod
                    // directory when this is its second container.
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot create cgroup " + dir + ": " + e.getMessage(), e);
                }
            }
        }
    }

    private void limitCpu(Container container, double cpus) {
        long quota = Math.max(1_000, Math.round(cpus * CFS_PERIOD_MICROS)); // the kernel's minimum is 1 ms
        if (v2HasCpu) {
            writeControl(container.v2Directory().resolve("cpu.max"), quota + " " + CFS_PERIOD_MICROS);
        } else {
            Path v1 = container.v1CpuDirectory().orElseThrow();
            writeControl(v1.resolve("cpu.cfs_period_us"), Long.toString(CFS_PERIOD_MICROS));
            writeControl(v1.resolve("cpu.cfs_quota_us"), Long.toString(quota));
        }
    }

    /** The random pod uid (with dashes), as the kubelet would report it. */
    public String podUid() {
        return podUid;
    }

    public QosClass qos() {
        return qos;
    }

    /** The pod's cgroup path, e.g. {@code /kubepods.slice/kubepods-pod<uid_with_underscores>.slice}. */
    public String podPath() {
        return "/" + podPath;
    }

    public List<Container> containers() {
        return List.copyOf(containers);
    }

    public Container container(int index) {
        return containers.get(index);
    }

    /** True when CPU limits are enforced through the v1 cpu hierarchy rather than cgroup v2. */
    public boolean limitsInV1() {
        return v1Cpu != null && !v2HasCpu;
    }

    @Override
    public void close() {
        startedProcesses.close();
        List<String> leftovers = new ArrayList<>();
        for (Path dir : createdDirectories.reversed()) {
            if (!removeCgroup(dir)) {
                leftovers.add(dir.toString());
            }
        }
        synchronized (SHARED_PARENTS_CREATED) {
            for (Path dir : sharedParents.reversed()) {
                if (SHARED_PARENTS_CREATED.contains(dir) && !hasChildCgroups(dir)) {
                    if (removeCgroup(dir)) {
                        SHARED_PARENTS_CREATED.remove(dir);
                    } else {
                        leftovers.add(dir.toString());
                    }
                }
            }
        }
        if (!leftovers.isEmpty()) {
            throw new IllegalStateException("could not remove test cgroups: " + String.join(", ", leftovers));
        }
    }

    /**
     * Moves any process left in {@code dir} to its hierarchy's root and removes it, retrying
     * while killed processes are still being reaped.
     */
    private boolean removeCgroup(Path dir) {
        Path hierarchyRoot = dir.startsWith(v2.directory()) ? v2.directory() : v1Cpu.directory();
        long deadline = System.currentTimeMillis() + CLEANUP_TIMEOUT_MILLIS;
        while (true) {
            if (!Files.exists(dir)) {
                return true;
            }
            try {
                for (String pid : readControl(dir.resolve("cgroup.procs")).split("\n")) {
                    if (!pid.isBlank()) {
                        writeControlQuietly(hierarchyRoot.resolve("cgroup.procs"), pid.strip());
                    }
                }
                Files.delete(dir);
                return true;
            } catch (IOException | UncheckedIOException e) {
                if (System.currentTimeMillis() > deadline) {
                    return false;
                }
                sleepBriefly();
            }
        }
    }

    private static boolean hasChildCgroups(Path dir) {
        try (Stream<Path> children = Files.list(dir)) {
            return children.anyMatch(child -> Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS));
        } catch (IOException e) {
            return false;
        }
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String readControl(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** cgroup control files take one write each, without O_CREAT or O_TRUNC semantics mattering. */
    private static void writeControl(Path file, String value) {
        try {
            Files.writeString(file, value, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write '" + value + "' to " + file + ": " + e.getMessage(), e);
        }
    }

    private static void writeControlQuietly(Path file, String value) {
        try {
            Files.writeString(file, value, StandardOpenOption.WRITE);
        } catch (IOException e) {
            // The process exited between reading cgroup.procs and moving it: nothing to move.
        }
    }
}
