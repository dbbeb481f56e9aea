package dev.ebpf.profiling.agent.profile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.cgroup.CgroupResolver;
import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import dev.ebpf.profiling.agent.sampler.OnCpuSampler;
import dev.ebpf.profiling.agent.symbolize.Frames;
import dev.ebpf.profiling.agent.symbolize.MappingTracker;
import dev.ebpf.profiling.agent.symbolize.SymbolizedStack;
import dev.ebpf.profiling.agent.testsupport.CompiledC;
import dev.ebpf.profiling.agent.testsupport.PodCgroups;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.agent.testsupport.SamplingTolerance;
import dev.ebpf.profiling.agent.testsupport.StartedProcesses;
import dev.ebpf.profiling.agent.testsupport.TestTags;
import dev.ebpf.profiling.api.profile.ApplicationUsage;
import dev.ebpf.profiling.api.profile.Frame;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 item 1: processes that start after profiling starts and exit inside the slice keep
 * their frames (their mappings are learnt from the kernel's mmap records as they appear) and their
 * name. Each program starts behind a short sleep, so it is in the test's cgroup before it execs.
 */
@Tag(TestTags.BPF)
class ExitedProcessesLiveTest {

    private static final int FREQUENCY_HZ = 99;
    /** An upper bound for a couple of seconds of CPU on a crowded machine; free when all goes well. */
    private static final long EXIT_TIMEOUT_SECONDS = 600;

    @TempDir
    Path dir;

    @BeforeEach
    void bpfAvailable() {
        RequiresRoot.assumeBpf();
    }

    /** What ran in the cgroup from before {@code command} started until after it exited. */
    private static SliceResult profileUntilExit(long cgroupId, CgroupStarter starter) throws Exception {
        SliceAnalyzer analyzer = SliceAnalyzer.forThisMachine("test-node", CgroupResolver.forThisMachine(), 10, 5);
        try (MappingTracker tracking = analyzer.trackMappings();
                OnCpuSampler sampler = OnCpuSampler.start(
                        OnCpuSampler.Settings.of(OnlineCpus.read().cpus(), FREQUENCY_HZ, Set.of(cgroupId)))) {
            assertThat(tracking.unavailableReason()).isEmpty();
            sampler.cut();
            Process process = starter.start();
            assertThat(process.waitFor(EXIT_TIMEOUT_SECONDS, TimeUnit.SECONDS))
                    .as("program exited")
                    .isTrue();
            assertThat(process.exitValue()).as("exit code").isZero();
            return analyzer.analyze(sampler.cut(), null, null, null);
        }
    }

    @FunctionalInterface
    private interface CgroupStarter {
        Process start() throws Exception;
    }

    private static long samples(List<SymbolizedStack> stacks, Predicate<SymbolizedStack> which) {
        return stacks.stream().filter(which).mapToLong(SymbolizedStack::count).sum();
    }

    /** Samples per user leaf function, for failure messages. */
    private static java.util.Map<String, Long> leaves(List<SymbolizedStack> stacks) {
        return stacks.stream()
                .collect(java.util.stream.Collectors.groupingBy(
                        s -> String.valueOf(userLeaf(s)),
                        java.util.stream.Collectors.summingLong(SymbolizedStack::count)));
    }

    /** The innermost user frame, or null for a kernel-only stack. */
    private static Frame userLeaf(SymbolizedStack stack) {
        return stack.frames().stream().filter(f -> !f.isKernel()).findFirst().orElse(null);
    }

    @Test
    void xzThatExitsInsideTheSliceKeepsItsLibraryFrames() throws Exception {
        RequiresRoot.require(Files.isExecutable(Path.of("/usr/bin/xz")), "xz (Debian package) is missing");
        // Base64 of random bytes: xz -9 works on it for a couple of seconds of CPU.
        Path input = dir.resolve("input.txt");
        byte[] random = new byte[3 << 20];
        new Random(13).nextBytes(random);
        try (OutputStream out = Files.newOutputStream(input)) {
            out.write(java.util.Base64.getMimeEncoder().encode(random));
        }
        try (PodCgroups pod = PodCgroups.builder().container().build()) {
            long cgroupId =
                    CgroupResolver.forThisMachine().idOf(pod.container(0).path());
            int[] pid = new int[1];
            SliceResult result = profileUntilExit(cgroupId, () -> {
                Process xz = pod.container(0).start("sh", "-c", "sleep 0.5; exec /usr/bin/xz -9 -T1 -c " + input);
                pid[0] = Math.toIntExact(xz.pid());
                return xz;
            });
            assertThat(Path.of("/proc", Integer.toString(pid[0]))).doesNotExist();

            List<SymbolizedStack> xz =
                    result.stacks().stream().filter(s -> s.tgid() == pid[0]).toList();
            long total = samples(xz, s -> true);
            long inLzma = samples(xz, s -> {
                Frame leaf = userLeaf(s);
                // The mapped file is liblzma.so.5.4.1 (what the liblzma.so.5 link points to).
                return leaf != null && leaf.module() != null && leaf.module().startsWith("liblzma.so.5");
            });
            long exited = samples(xz, s -> s.frames().contains(Frames.exited()));
            // About 2 s of CPU at 99 Hz: ~200 samples. Debian's xz spends ~95 % in liblzma; 80 % leaves
            // room for page faults and reads (kernel-only stacks count against it).
            System.out.printf(
                    "xz: %d samples, %d with a user leaf in liblzma, %d [exited]; leaves %s%n",
                    total, inLzma, exited, leaves(xz));
            assertThat(total).as("xz samples").isGreaterThanOrEqualTo(50);
            assertThat(exited).as("[exited] samples of %d", total).isZero();
            assertThat((double) inLzma / total)
                    .as(
                            "share of xz's %d samples with a user leaf in liblzma.so.5 (%d); leaves %s",
                            total, inLzma, leaves(xz))
                    .isGreaterThanOrEqualTo(0.80);
        }
    }

    @Test
    void aSmallBuildInsideTheSliceIsMostlyNamed() throws Exception {
        RequiresRoot.require(Files.isExecutable(Path.of("/usr/bin/make")), "make (Debian package) is missing");
        RequiresRoot.require(Files.isExecutable(Path.of("/usr/bin/gcc")), "gcc (Debian package) is missing");
        StringBuilder makefile = new StringBuilder("OBJS =");
        for (int i = 0; i < 30; i++) {
            Files.writeString(dir.resolve("f" + i + ".c"), """
                    #include <stdio.h>
                    #include <string.h>
                    static int table[64];
                    int f%d(const char *s) {
                        for (int i = 0; i < 64; i++) table[i] = (int) strlen(s) * i;
                        printf("%%s %%d\\n", s, table[%d]);
                        return table[63];
                    }
                    """.formatted(i, i % 64));
            makefile.append(" f").append(i).append(".o");
        }
        Files.writeString(dir.resolve("main.c"), "int main(void) { return 0; }\n");
        makefile.append(
                "\n\nall: prog\n\nprog: main.o $(OBJS)\n\tgcc -O2 -o $@ $^\n\n%.o: %.c\n\tgcc -O2 -c -o $@ $<\n");
        Files.writeString(dir.resolve("Makefile"), makefile.toString());
        try (PodCgroups pod = PodCgroups.builder().container().build()) {
            long cgroupId =
                    CgroupResolver.forThisMachine().idOf(pod.container(0).path());
            SliceResult result = profileUntilExit(
                    cgroupId,
                    () -> pod.container(0).start("sh", "-c", "sleep 0.5; cd " + dir + " && exec make -s -j2"));
            assertThat(dir.resolve("prog")).exists();

            List<SymbolizedStack> build = result.stacks();
            long total = samples(build, s -> true);
            long exited = samples(build, s -> s.frames().contains(Frames.exited()));
            // 31 compiles (gcc, cc1, as) and a link: a second or more of CPU, ~100+ samples at 99 Hz.
            // Without tracking, ~94 % of them print [exited]; 10 % allows the few processes whose
            // stacks were sampled before their first mmap record was read.
            System.out.printf("make -j2: %d samples, %d [exited]%n", total, exited);
            assertThat(total).as("build samples").isGreaterThanOrEqualTo(40);
            assertThat((double) exited / total)
                    .as("[exited] share of the build's %d samples (%d); leaves %s", total, exited, leaves(build))
                    .isLessThanOrEqualTo(0.10);
        }
    }

    private static final String SPIN_CLASS = """
            public class Spin {
                static long work(long n) {
                    long s = 0;
                    for (long i = 0; i < n; i++) s += i * 31 ^ (s >>> 3);
                    return s;
                }
                public static void main(String[] args) {
                    // 2 s of its own CPU time, not of wall time: a busy machine only makes it take longer.
                    var cpu = java.lang.management.ManagementFactory.getThreadMXBean();
                    long s = 0;
                    while (cpu.getCurrentThreadCpuTime() < 2_000_000_000L) s += work(100_000);
                    System.out.println(s);
                }
            }
            """;

    @Test
    void aJvmThatDumpsItsPerfMapAtExitKeepsItsJitFrames() throws Exception {
        Path source = Files.writeString(dir.resolve("Spin.java"), SPIN_CLASS);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path javac = Path.of(System.getProperty("java.home"), "bin", "javac");
        assertThat(new ProcessBuilder(javac.toString(), "-d", dir.toString(), source.toString())
                        .inheritIO()
                        .start()
                        .waitFor())
                .isZero();
        int[] pid = new int[1];
        try (PodCgroups pod = PodCgroups.builder().container().build()) {
            long cgroupId =
                    CgroupResolver.forThisMachine().idOf(pod.container(0).path());
            SliceResult result = profileUntilExit(cgroupId, () -> {
                Process jvm = pod.container(0)
                        .start(
                                "sh",
                                "-c",
                                "sleep 0.5; exec " + java
                                        + " -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -Xshare:auto -cp "
                                        + dir + " Spin");
                pid[0] = Math.toIntExact(jvm.pid());
                return jvm;
            });

            List<SymbolizedStack> jvm =
                    result.stacks().stream().filter(s -> s.tgid() == pid[0]).toList();
            long total = samples(jvm, s -> true);
            long inWork = samples(jvm, s -> {
                Frame leaf = userLeaf(s);
                return leaf != null && leaf.function().contains("Spin.work");
            });
            long exited = samples(jvm, s -> s.frames().contains(Frames.exited()));
            System.out.printf("jvm: %d samples, %d with a JIT leaf in Spin.work, %d [exited]%n", total, inWork, exited);
            // 2 s of CPU in Spin.work (most of it compiled) plus the JVM's start: 198 samples at 99 Hz at
            // least, less the binomial bound of SamplingTolerance (the JVM shares its CPU on a busy machine).
            // The map is read when the exit is seen, from the /tmp held open since its JIT memory appeared.
            double expected = 2.0 * FREQUENCY_HZ;
            assertThat(total).as("JVM samples").isGreaterThanOrEqualTo((long)
                    (expected - SamplingTolerance.samples(expected)));
            assertThat(exited).as("[exited] samples of %d", total).isZero();
            assertThat((double) inWork / total)
                    .as(
                            "share of the JVM's %d samples with a leaf in Spin.work (%d); leaves %s",
                            total, inWork, leaves(jvm))
                    .isGreaterThanOrEqualTo(0.30);
        } finally {
            Files.deleteIfExists(Path.of("/tmp/perf-" + pid[0] + ".map"));
        }
    }

    private static final String THREADS_PROGRAM = """
            #define _GNU_SOURCE
            #include <pthread.h>
            #include <time.h>
            static volatile unsigned long sink;
            static void burn(double seconds) {
                struct timespec start, now;
                clock_gettime(CLOCK_MONOTONIC, &start);
                do {
                    for (int i = 0; i < 100000; i++) sink += i;
                    clock_gettime(CLOCK_MONOTONIC, &now);
                } while (now.tv_sec - start.tv_sec + (now.tv_nsec - start.tv_nsec) / 1e9 < seconds);
            }
            static void *worker(void *name) {
                pthread_setname_np(pthread_self(), (const char *) name);
                burn(1.5);
                return 0;
            }
            int main(void) {
                const char *names[] = {"C2 CompilerThre", "VM Thread", "worker-3"};
                pthread_t threads[3];
                for (int i = 0; i < 3; i++) pthread_create(&threads[i], 0, worker, (void *) names[i]);
                burn(0.5);
                for (int i = 0; i < 3; i++) pthread_join(threads[i], 0);
                return 0;
            }
            """;

    @Test
    void anExitedMultiThreadedProcessKeepsOneName() throws Exception {
        Path binary = CompiledC.build(dir, "named_threads", THREADS_PROGRAM, "-O1", "-pthread");
        // A plain cgroup (no pod, no unit): the application is named after the process.
        String name = "exited-names-" + ProcessHandle.current().pid();
        Path cgroup = Files.createDirectories(
                CgroupResolver.forThisMachine().mount().directory().resolve(name));
        try (StartedProcesses started = new StartedProcesses()) {
            long cgroupId = CgroupResolver.forThisMachine().idOf("/" + name);
            int[] pid = new int[1];
            SliceResult result = profileUntilExit(cgroupId, () -> {
                Process process = started.add(new ProcessBuilder("sh", "-c", "sleep 0.5; exec " + binary)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start());
                Files.writeString(cgroup.resolve("cgroup.procs"), Long.toString(process.pid()));
                pid[0] = Math.toIntExact(process.pid());
                return process;
            });
            System.out.println("threads: applications " + result.profile().topApplications());

            // Only the program's own samples: a sample of the shell's sleep child may land in the cgroup too.
            List<SymbolizedStack> program =
                    result.stacks().stream().filter(s -> s.tgid() == pid[0]).toList();
            assertThat(samples(program, s -> true)).as("samples of the program").isGreaterThanOrEqualTo(10);
            assertThat(program).extracting(SymbolizedStack::application).containsOnly("named_threads");
            assertThat(result.profile().topApplications())
                    .extracting(ApplicationUsage::name)
                    .contains("named_threads")
                    .doesNotContain("C2 CompilerThre", "VM Thread", "worker-3");
        } finally {
            removeCgroup(cgroup);
        }
    }

    private static void removeCgroup(Path cgroup) throws IOException, InterruptedException {
        for (int attempt = 0; attempt < 100 && Files.isDirectory(cgroup); attempt++) {
            try {
                Files.delete(cgroup);
            } catch (IOException stillPopulated) {
                Thread.sleep(20);
            }
        }
    }
}
