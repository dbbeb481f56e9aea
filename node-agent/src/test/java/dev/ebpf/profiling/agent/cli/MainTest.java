package dev.ebpf.profiling.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.MappingIterator;
import dev.ebpf.profiling.agent.testsupport.CompiledC;
import dev.ebpf.profiling.agent.testsupport.PodCgroups;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.agent.testsupport.TestTags;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The CLI as a user runs it: exit codes, one-line errors, and real profiles in its output. */
class MainTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(
                List.of(args),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '#',
            value = {
                "--cpus 4096#node-agent: --cpus: unknown CPU 4096: this node's online CPUs are",
                "--frequency 0#node-agent: --frequency must be from 1 to 1000, not 0",
                "--duration -3s#node-agent: --duration must be a positive duration such as 10s, 500ms or 2m, not '-3s'",
                "--cgroup /no/such/cgroup#node-agent: --cgroup: cgroup /no/such/cgroup does not exist under",
                "--format yaml#node-agent: --format must be one of table|json|folded|pprof|svg, not 'yaml'",
                // --net-rx itself is taken: the error is the other option's, as without it.
                "--net-rx --frequency 0#node-agent: --frequency must be from 1 to 1000, not 0",
                "--net-rx --format pprof#node-agent: --format pprof writes one file per slice: give --output FILE"
            })
    void badInputExitsWith2AndOneLineOnStderr(String arguments, String message) {
        String[] args = ("profile " + arguments).split(" ");
        assertThat(run(args)).isEqualTo(Main.EXIT_USAGE);
        assertThat(stderr()).startsWith(message).endsWith("\n");
        assertThat(stderr().strip().lines()).hasSize(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void runReadsNoJobConfigAnyMore() {
        // The agent takes its jobs from the ProfilingJobs themselves, never from a file a tenant namespace holds.
        assertThat(run("run", "--node", "n1", "--config", "/etc/node-agent/job.json"))
                .isEqualTo(Main.EXIT_USAGE);
        assertThat(stderr()).startsWith("node-agent: unknown option '--config' for 'run'");
        assertThat(stderr().strip().lines()).hasSize(1);
    }

    @Test
    void anUnknownCommandIsAUsageError() {
        assertThat(run("flame")).isEqualTo(Main.EXIT_USAGE);
        assertThat(stderr()).isEqualTo("node-agent: unknown command 'flame': try 'profile', 'run'\n");
    }

    @Test
    void aMistypedCommandGetsAHint() {
        assertThat(run("profil")).isEqualTo(Main.EXIT_USAGE);
        assertThat(stderr()).contains("unknown command 'profil'").contains("did you mean profile?");
    }

    @Test
    void aMistypedOptionGetsTheNearestOne() {
        assertThat(run("profile", "--frequncy", "99")).isEqualTo(Main.EXIT_USAGE);
        assertThat(stderr().strip().lines())
                .singleElement()
                .asString()
                .startsWith("node-agent: unknown option '--frequncy' for 'profile'")
                .contains("did you mean --frequency?");
    }

    @Test
    void aMistypedNetRxGetsTheRealOne() {
        assertThat(run("profile", "--net-rxx")).isEqualTo(Main.EXIT_USAGE);
        assertThat(stderr().strip().lines())
                .singleElement()
                .asString()
                .startsWith("node-agent: unknown option '--net-rxx' for 'profile'")
                .contains("did you mean --net-rx?");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void netRxIsAFlagAndTakesNoValue() {
        assertThat(run("profile", "--net-rx=yes")).isEqualTo(Main.EXIT_USAGE);
        assertThat(stderr()).isEqualTo("node-agent: Invalid value for option '--net-rx': 'yes' is not a boolean\n");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void theProfileHelpDescribesNetRx() {
        assertThat(run("profile", "--help")).isEqualTo(Main.EXIT_OK);
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("--net-rx ", "Also measure the network receive path", "off-CPU sampler too");
    }

    @Test
    void aStrayArgumentSaysWhatItIs() {
        assertThat(run("profile", "--off-cpu", "/kubepods.slice")).isEqualTo(Main.EXIT_USAGE);
        assertThat(stderr().strip())
                .isEqualTo("node-agent: unexpected argument '/kubepods.slice' for 'profile' (options start with --)");
    }

    @ParameterizedTest
    @CsvSource({"profile", "run"})
    void eachCommandDescribesItsOptionsWithDefaults(String command) {
        assertThat(run(command, "--help")).isEqualTo(Main.EXIT_OK);
        String help = out.toString(StandardCharsets.UTF_8);
        assertThat(help).startsWith("Usage: node-agent " + command);
        assertThat(stderr()).isEmpty();
        if (command.equals("profile")) {
            assertThat(help)
                    .contains("--frequency=HZ", "On-CPU samples per second per CPU", "Default: 99")
                    .contains("--off-cpu", "--format=FORMAT", "Default: table");
        } else {
            assertThat(help).contains("--node=NAME", "--metrics-port=PORT");
        }
    }

    @Test
    void theTopLevelHelpListsTheCommands() {
        assertThat(run("--help")).isEqualTo(Main.EXIT_OK);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("profile", "run", "generate-completion", "--version");
    }

    @Test
    void noCommandPrintsUsageAndExits2() {
        assertThat(run()).isEqualTo(Main.EXIT_USAGE);
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("Usage: node-agent");
    }

    @Test
    void versionIsTheBuildsVersion() {
        assertThat(run("--version")).isEqualTo(Main.EXIT_OK);
        assertThat(out.toString(StandardCharsets.UTF_8).strip()).matches("node-agent \\d+\\.\\d+\\.\\d+.*");
    }

    @Test
    void writesABashCompletionScript() {
        assertThat(run("generate-completion")).isEqualTo(Main.EXIT_OK);
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("complete -F")
                .contains("node-agent")
                .contains("--frequency");
    }

    @Test
    @Tag(TestTags.BPF)
    void profilesAPodToAJsonFileOneDocumentPerSlice(@TempDir Path dir) throws Exception {
        RequiresRoot.assumeBpf();
        try (PodCgroups pod = PodCgroups.builder().container().build()) {
            pod.container(0).startBusyLoop();
            Path file = dir.resolve("profile.json");
            int exit = run(
                    "profile",
                    "--duration",
                    "3s",
                    "--slice",
                    "1s",
                    "--format",
                    "json",
                    "--cgroup",
                    pod.podPath(),
                    "--output",
                    file.toString());

            assertThat(stderr()).isEmpty();
            assertThat(exit).isEqualTo(Main.EXIT_OK);
            List<NodeProfile> slices;
            try (MappingIterator<NodeProfile> documents =
                    ProfileJson.mapper().readerFor(NodeProfile.class).readValues(file.toFile())) {
                slices = documents.readAll();
            }
            assertThat(slices).hasSize(3);
            assertThat(slices).allSatisfy(slice -> {
                assertThat(slice.event()).isIn("cpu-cycles", "cpu-clock");
                assertThat(slice.frequencyHz()).isEqualTo(99);
                assertThat(slice.topApplications()).isNotEmpty().allSatisfy(app -> {
                    assertThat(app.pod().uid()).isEqualTo(pod.podUid());
                    assertThat(app.pod().containerId())
                            .isEqualTo(pod.container(0).id());
                });
            });
            assertThat(slices.get(1).start()).isEqualTo(slices.get(0).end());
        }
    }

    @Test
    @Tag(TestTags.BPF)
    void offCpuShowsWhereAPodWaitedAndWhy(@TempDir Path dir) throws Exception {
        RequiresRoot.assumeBpf();
        // A task already asleep when sampling starts is seen only once it wakes, so the sleeper
        // naps 100 ms at a time: blocked nearly all the time, waking often.
        Path nap = CompiledC.build(
                dir, "nap", "#include <unistd.h>\nint main(void) { for (;;) usleep(100000); }\n", "-O1");
        try (PodCgroups pod = PodCgroups.builder().container().build()) {
            pod.container(0).start(nap.toString());
            Path file = dir.resolve("profile.json");
            int exit = run(
                    "profile",
                    "--duration",
                    "3s",
                    "--off-cpu",
                    "--min-block",
                    "500us",
                    "--format",
                    "json",
                    "--cgroup",
                    pod.podPath(),
                    "--output",
                    file.toString());

            assertThat(stderr()).isEmpty();
            assertThat(exit).isEqualTo(Main.EXIT_OK);
            NodeProfile profile = ProfileJson.mapper().readValue(Files.readString(file), NodeProfile.class);
            assertThat(profile.offCpu()).isNotNull();
            var sleeper = profile.offCpu().topApplications().getFirst();
            assertThat(sleeper.name()).contains(pod.podUid());
            // Blocked for the whole slice: within 10% of its length.
            assertThat(sleeper.blockedSeconds())
                    .isCloseTo(profile.durationSeconds(), org.assertj.core.data.Percentage.withPercentage(10));
            assertThat(profile.offCpu().hotspots())
                    .filteredOn(h -> h.application().equals(sleeper.name()))
                    .first()
                    .satisfies(h -> assertThat(h.reason()).isEqualTo("sleep"));
        }
    }

    @Test
    @Tag(TestTags.BPF)
    void offCpuHasItsOwnSectionInTheTable() throws Exception {
        RequiresRoot.assumeBpf();
        assertThat(run("profile", "--duration", "1s", "--top", "2", "--off-cpu"))
                .isEqualTo(Main.EXIT_OK);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("OFF-CPU").contains("BLOCKED s");
    }

    @Test
    @Tag(TestTags.BPF)
    void netRxHasItsOwnSectionInTheTable() throws Exception {
        RequiresRoot.assumeBpf();
        assertThat(run("profile", "--duration", "1s", "--top", "2", "--net-rx"))
                .as("stderr: %s", stderr())
                .isEqualTo(Main.EXIT_OK);
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("NET-RX (queue delay: data ready -> read)")
                .contains("OFF-CPU");
    }

    @Test
    @Tag(TestTags.BPF)
    void printsTheTableByDefault() throws Exception {
        RequiresRoot.assumeBpf();
        assertThat(run("profile", "--duration", "1s", "--top", "3")).isEqualTo(Main.EXIT_OK);
        String table = out.toString(StandardCharsets.UTF_8);
        assertThat(table).contains("RANK  APPLICATION").containsPattern("event: cpu-(clock|cycles).*frequency: 99 Hz");
    }
}
