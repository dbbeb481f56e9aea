package dev.ebpf.profiling.agent.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.profile.PodRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Uses a fake /proc in a temp dir and a map for the cgroup id lookup. */
class ApplicationResolverTest {

    private static final String UID = "0f5b7f3c-8d2a-4a56-9e1b-2c3d4e5f6a7b";
    private static final String CONTAINER = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb";
    private static final String POD_PATH = "/kubepods.slice/kubepods-burstable.slice/"
            + "kubepods-burstable-pod0f5b7f3c_8d2a_4a56_9e1b_2c3d4e5f6a7b.slice/cri-containerd-" + CONTAINER + ".scope";
    private static final long ROOT_ID = 1;
    private static final long POD_ID = 4242;
    private static final long CRON_ID = 77;

    @TempDir
    Path proc;

    final Map<Long, String> paths = new HashMap<>();
    ApplicationResolver resolver;

    @BeforeEach
    void setUp() {
        paths.put(ROOT_ID, "/");
        paths.put(POD_ID, POD_PATH);
        paths.put(CRON_ID, "/system.slice/cron.service");
        resolver = new ApplicationResolver(id -> Optional.ofNullable(paths.get(id)), proc);
    }

    private void process(int pid, String comm, String cgroupFixture) throws IOException {
        Path dir = Files.createDirectories(proc.resolve(Integer.toString(pid)));
        Files.writeString(dir.resolve("comm"), comm + "\n");
        Files.writeString(dir.resolve("cgroup"), ProcCgroupFileTest.fixture(cgroupFixture));
    }

    @Test
    void podContainerFromTheV2PathOfTheCgroupId() throws IOException {
        process(100, "nginx", "v2-pod");
        Application app = resolver.resolve(100, POD_ID, "nginx: worker");
        assertThat(app)
                .isEqualTo(new Application(
                        "pod:" + UID + "/" + CONTAINER,
                        "pod " + UID + " (ca978112ca1b)",
                        POD_PATH,
                        PodRef.fromCgroup(UID, CONTAINER),
                        "nginx"));
        assertThat(app.pod().namespace()).isNull();
    }

    @Test
    void podContainerFromProcWhenTheV2IdIsTheRoot() throws IOException {
        process(101, "busy", "hybrid-pod-cpu-only");
        Application app = resolver.resolve(101, ROOT_ID, "busy");
        assertThat(app.key()).isEqualTo("pod:" + UID + "/" + CONTAINER);
        assertThat(app.pod()).isEqualTo(PodRef.fromCgroup(UID, CONTAINER));
        assertThat(app.cgroup()).isEqualTo(POD_PATH);
    }

    @Test
    void systemdUnitWithTheProcessName() throws IOException {
        process(102, "cachestat", "v2-service");
        Application app = resolver.resolve(102, CRON_ID, "cachestat");
        assertThat(app)
                .isEqualTo(new Application(
                        "unit:/system.slice/cron.service:cachestat",
                        "systemd: cron.service (cachestat)",
                        "/system.slice/cron.service",
                        null,
                        "cachestat"));
    }

    @Test
    void systemdUnitFromProcOnHybridMachines() throws IOException {
        process(103, "cron", "hybrid-service");
        assertThat(resolver.resolve(103, ROOT_ID, "cron").name()).isEqualTo("systemd: cron.service (cron)");
    }

    @Test
    void plainProcessIsItsExecutableName() throws IOException {
        process(104, "nginx", "hybrid-root");
        Application app = resolver.resolve(104, ROOT_ID, "nginx");
        assertThat(app).isEqualTo(new Application("process:nginx", "nginx", "/", null, "nginx"));
    }

    @Test
    void processNameComesFromProcNotTheThreadsComm() throws IOException {
        process(105, "java", "hybrid-root");
        assertThat(resolver.resolve(105, ROOT_ID, "C2 CompilerThre").name()).isEqualTo("java");
    }

    @Test
    void exitedProcessKeepsItsPodThroughTheCgroupIdAndItsKernelName() {
        Application app = resolver.resolve(200, POD_ID, "short-lived\0\0\0\0\0");
        assertThat(app.pod()).isEqualTo(PodRef.fromCgroup(UID, CONTAINER));
        assertThat(app.processName()).isEqualTo("short-lived");
    }

    @Test
    void exitedProcessInAnUnknownCgroupIsNamedByTheKernel() {
        assertThat(resolver.resolve(201, 999, "cc1plus\0"))
                .isEqualTo(new Application("process:cc1plus", "cc1plus", null, null, "cc1plus"));
        assertThat(resolver.resolve(202, 999, "").name()).isEqualTo("pid 202");
        assertThat(resolver.resolve(203, 999, null).name()).isEqualTo("pid 203");
    }

    @Test
    void unreadableProcEntriesFallBackWithoutThrowing() throws IOException {
        Path dir = Files.createDirectories(proc.resolve("300"));
        Files.createDirectories(dir.resolve("comm")); // a directory: reading it fails
        Files.writeString(dir.resolve("cgroup"), "garbage\n");
        Application app = resolver.resolve(300, ROOT_ID, "worker");
        assertThat(app).isEqualTo(new Application("process:worker", "worker", "/", null, "worker"));
    }

    @Test
    void snapshotKeepsProcessesThatExitBeforeResolution() throws IOException {
        process(400, "busy", "hybrid-pod-cpu-only");
        resolver.snapshot(List.of(400, 401));
        deleteProcess(400);

        Application app = resolver.resolve(400, ROOT_ID, "sh");
        assertThat(app.pod()).isEqualTo(PodRef.fromCgroup(UID, CONTAINER));
        assertThat(app.processName()).isEqualTo("busy");

        resolver.startSlice();
        Application after = resolver.resolve(400, ROOT_ID, "sh");
        assertThat(after.pod()).isNull();
        assertThat(after.processName()).isEqualTo("sh");
    }

    @Test
    void processFactsAreCachedWithinASlice() throws IOException {
        process(500, "first", "hybrid-root");
        assertThat(resolver.resolve(500, ROOT_ID, "k").processName()).isEqualTo("first");
        Files.writeString(proc.resolve("500/comm"), "second\n");
        assertThat(resolver.resolve(500, ROOT_ID, "k").processName()).isEqualTo("first");
        resolver.startSlice();
        assertThat(resolver.resolve(500, ROOT_ID, "k").processName()).isEqualTo("second");
    }

    @Test
    void podLevelCgroupWithoutContainer() {
        paths.put(5L, "/kubepods/besteffort/pod" + UID);
        Application app = resolver.resolve(600, 5, "pause");
        assertThat(app.key()).isEqualTo("pod:" + UID);
        assertThat(app.name()).isEqualTo("pod " + UID);
        assertThat(app.pod()).isEqualTo(PodRef.fromCgroup(UID, null));
    }

    @Test
    void crioMonitorIsItsOwnApplicationBesideItsContainer() {
        paths.put(6L, "/kubepods/burstable/pod" + UID + "/crio-conmon-" + CONTAINER);
        paths.put(7L, "/kubepods/burstable/pod" + UID + "/crio-" + CONTAINER);
        Application conmon = resolver.resolve(700, 6, "conmon");
        Application container = resolver.resolve(701, 7, "app");
        assertThat(conmon.name()).isEqualTo("pod " + UID + " (ca978112ca1b conmon)");
        assertThat(conmon.key()).isNotEqualTo(container.key());
        assertThat(conmon.pod()).isEqualTo(container.pod());
    }

    @Test
    void containerOutsideKubernetes() {
        paths.put(8L, "/system.slice/docker-" + CONTAINER + ".scope");
        Application app = resolver.resolve(800, 8, "redis-server");
        assertThat(app)
                .isEqualTo(new Application(
                        "container:" + CONTAINER,
                        "docker ca978112ca1b",
                        "/system.slice/docker-" + CONTAINER + ".scope",
                        null,
                        "redis-server"));
    }

    @Test
    void containersOfOnePodAreSeparateAndProcessesOfOneContainerShareAKey() throws IOException {
        String other = "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d";
        paths.put(9L, POD_PATH.replace(CONTAINER, other));
        assertThat(resolver.resolve(900, POD_ID, "a").key())
                .isEqualTo(resolver.resolve(901, POD_ID, "b").key());
        assertThat(resolver.resolve(902, 9, "a").key())
                .isNotEqualTo(resolver.resolve(900, POD_ID, "a").key());
    }

    private void deleteProcess(int pid) throws IOException {
        Path dir = proc.resolve(Integer.toString(pid));
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(dir);
    }
}
