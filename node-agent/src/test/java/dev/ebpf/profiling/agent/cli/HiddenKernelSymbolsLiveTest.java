package dev.ebpf.profiling.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.symbolize.KernelSymbols;
import dev.ebpf.profiling.agent.testsupport.CompiledC;
import dev.ebpf.profiling.agent.testsupport.PodCgroups;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.agent.testsupport.TestTags;
import dev.ebpf.profiling.api.profile.Frame;
import dev.ebpf.profiling.api.profile.Hotspot;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.ProfileJson;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent on a stock kernel (issue 14): {@code kernel.perf_event_paranoid=2}, the upstream
 * default, and no CAP_SYSLOG, so {@code /proc/kallsyms} reads all zeros. The agent must still
 * profile, name user frames, show kernel frames by region, and say why once. Runs the real CLI in
 * a child JVM whose capability bounding set lacks CAP_SYSLOG (setpriv), so that only the child
 * loses it; the sysctl is put back after the test.
 */
@Tag(TestTags.BPF)
class HiddenKernelSymbolsLiveTest {

    private static final Path PARANOID = Path.of("/proc/sys/kernel/perf_event_paranoid");

    /** A busy loop that spends about as much time in its own function as in the kernel (reading /dev/zero). */
    private static final String PROGRAM = """
            #include <fcntl.h>
            #include <unistd.h>
            static char buffer[65536];
            __attribute__((noinline)) static unsigned long spin_in_user(unsigned long x) {
                for (int i = 0; i < 20000; i++) x = x * 6364136223846793005UL + 1442695040888963407UL;
                return x;
            }
            int main(void) {
                volatile unsigned long sink = 0;
                int zero = open("/dev/zero", O_RDONLY);
                for (;;) { sink += spin_in_user(sink); sink += read(zero, buffer, sizeof buffer); }
            }
            """;

    @Test
    void profilesWithKernelFramesNamedByRegionAndSaysWhy(@TempDir Path dir) throws Exception {
        RequiresRoot.assumeBpf();
        RequiresRoot.require(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv (util-linux) is missing");
        Path binary = CompiledC.build(dir, "spin", PROGRAM, "-O1", "-g");
        String paranoid = Files.readString(PARANOID).strip();
        try (PodCgroups pod = PodCgroups.builder().container().build()) {
            Files.writeString(PARANOID, "2");
            pod.container(0).start(binary.toString());
            Path output = dir.resolve("profile.json");
            Path stderr = dir.resolve("stderr.txt");
            Process agent = new ProcessBuilder(
                            "setpriv",
                            "--bounding-set",
                            "-syslog",
                            "--inh-caps",
                            "-syslog",
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "--enable-native-access=ALL-UNNAMED",
                            "-cp",
                            System.getProperty("java.class.path"),
                            Main.class.getName(),
                            "profile",
                            "--duration",
                            "3s",
                            "--format",
                            "json",
                            "--cgroup",
                            pod.podPath(),
                            "--output",
                            output.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(stderr.toFile())
                    .start();
            // An upper bound for a JVM start, a 3 s profile and symbolization on a crowded machine.
            assertThat(agent.waitFor(300, TimeUnit.SECONDS))
                    .as("agent finished")
                    .isTrue();
            String errors = Files.readString(stderr, StandardCharsets.UTF_8);

            assertThat(agent.exitValue()).as("exit code; stderr: %s", errors).isZero();
            // Said once, naming the setting and the capability.
            assertThat(errors.lines().filter(line -> line.contains("warning")))
                    .singleElement()
                    .asString()
                    .contains("perf_event_paranoid=2", "without CAP_SYSLOG", "give the agent CAP_SYSLOG");
            NodeProfile profile = ProfileJson.mapper().readValue(Files.readString(output), NodeProfile.class);
            assertThat(profile.totalSamples()).isPositive();
            List<Frame> frames = profile.hotspots().stream()
                    .map(Hotspot::frames)
                    .flatMap(List::stream)
                    .toList();
            assertThat(frames)
                    .as("user frames are named")
                    .anySatisfy(frame -> assertThat(frame.function()).isEqualTo("spin_in_user"));
            assertThat(frames.stream().filter(Frame::isKernel))
                    .as("kernel frames, named by region only")
                    .isNotEmpty()
                    .allSatisfy(frame -> assertThat(frame.function())
                            .isIn(KernelSymbols.HIDDEN_KERNEL_FRAME, KernelSymbols.HIDDEN_MODULE_FRAME));
        } finally {
            Files.writeString(PARANOID, paranoid);
        }
    }
}
