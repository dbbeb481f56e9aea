package dev.ebpf.profiling.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.testsupport.PodCgroups;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.agent.testsupport.TestTags;
import dev.ebpf.profiling.api.profile.Frame;
import dev.ebpf.profiling.api.profile.Hotspot;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.ProfileJson;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: what stock programs look like in the output. C++ names are demangled as perf shows
 * them, and code without symbols (Debian's libcrypto) groups per library, so the hottest hotspot
 * says where the time goes.
 */
@Tag(TestTags.BPF)
class StockBinariesLiveTest {

    private static final String CPP_PROGRAM = """
            #include <vector>
            #include <cstddef>
            template <typename T> __attribute__((noinline)) T hot_work(std::vector<T>& values) {
                T sum = 0;
                for (int round = 0; round < 1000; round++)
                    for (std::size_t i = 0; i < values.size(); i++) sum += values[i] * (T)round;
                return sum;
            }
            int main() {
                std::vector<int> values(10000, 3);
                volatile int sink = 0;
                for (;;) sink += hot_work<int>(values);
            }
            """;

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private NodeProfile profile(PodCgroups pod, Path output, String duration) throws Exception {
        int exit = Main.run(
                List.of(
                        "profile",
                        "--duration",
                        duration,
                        "--format",
                        "json",
                        "--cgroup",
                        pod.podPath(),
                        "--output",
                        output.toString(),
                        // These checks are about the leaf: names and per-module grouping. DWARF
                        // unwinding (the default) spreads one leaf's time over its caller chains,
                        // which is what DwarfUnwindingLiveTest checks.
                        "--unwind",
                        "fp"),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isEqualTo(Main.EXIT_OK);
        return ProfileJson.mapper().readValue(Files.readString(output), NodeProfile.class);
    }

    private static List<Frame> frames(NodeProfile profile) {
        return profile.hotspots().stream()
                .map(Hotspot::frames)
                .flatMap(List::stream)
                .toList();
    }

    @Test
    void cppNamesAreDemangled(@TempDir Path dir) throws Exception {
        RequiresRoot.assumeBpf();
        Path source = Files.writeString(dir.resolve("hot.cpp"), CPP_PROGRAM);
        Path binary = dir.resolve("hot");
        assertThat(new ProcessBuilder("g++", "-O1", "-o", binary.toString(), source.toString())
                        .inheritIO()
                        .start()
                        .waitFor())
                .isZero();
        try (PodCgroups pod = PodCgroups.builder().container().build()) {
            pod.container(0).start(binary.toString());

            NodeProfile profile = profile(pod, dir.resolve("profile.json"), "3s");

            assertThat(frames(profile))
                    .isNotEmpty()
                    .noneSatisfy(frame -> assertThat(frame.function()).startsWith("_Z"));
            assertThat(frames(profile))
                    .anySatisfy(frame -> assertThat(frame.function())
                            .isEqualTo("int hot_work<int>(std::vector<int, std::allocator<int> >&)"));
        }
    }

    @Test
    void opensslsHottestHotspotSaysWhereTheTimeGoes(@TempDir Path dir) throws Exception {
        RequiresRoot.assumeBpf();
        RequiresRoot.require(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl (Debian package) is missing");
        try (PodCgroups pod = PodCgroups.builder().container().build()) {
            pod.container(0).start("/usr/bin/openssl", "speed", "-seconds", "30", "sha256");

            NodeProfile profile = profile(pod, dir.resolve("profile.json"), "4s");

            // Spread over dozens of unnamed libcrypto addresses, no single address held 8% of the samples.
            Hotspot hottest = profile.hotspots().getFirst();
            assertThat(hottest.percentOfApplication())
                    .as("hottest: %s", hottest)
                    .isGreaterThanOrEqualTo(25.0);
        }
    }
}
