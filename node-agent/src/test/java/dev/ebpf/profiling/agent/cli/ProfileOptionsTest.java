package dev.ebpf.profiling.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebpf.profiling.agent.output.OutputFormat;
import dev.ebpf.profiling.agent.sampler.Unwinding;
import dev.ebpf.profiling.api.job.CpuList;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProfileOptionsTest {

    private static final CpuList ONLINE = CpuList.parse("0-3");

    private static ProfileOptions parse(String... args) {
        return ProfileOptions.parse(List.of(args), ONLINE);
    }

    @Test
    void defaultsProfileEveryOnlineCpuFor10SecondsAt99Hz() {
        ProfileOptions options = parse();
        assertThat(options.duration()).isEqualTo(Duration.ofSeconds(10));
        assertThat(options.slice()).isEqualTo(Duration.ofSeconds(10));
        assertThat(options.frequencyHz()).isEqualTo(99);
        assertThat(options.cpus()).isEqualTo(ONLINE);
        assertThat(options.top()).isEqualTo(10);
        assertThat(options.format()).isEqualTo(OutputFormat.TABLE);
        assertThat(options.output()).isNull();
        assertThat(options.cgroups()).isEmpty();
    }

    @Test
    void readsEveryOptionInBothSpellings() {
        ProfileOptions options = parse(
                "--duration",
                "2m",
                "--frequency=250",
                "--cpus",
                "0,2-3",
                "--cgroup",
                "/a",
                "--cgroup=/b",
                "--slice",
                "500ms",
                "--top",
                "3",
                "--format",
                "json",
                "--output",
                "/tmp/x.json");
        assertThat(options.duration()).isEqualTo(Duration.ofMinutes(2));
        assertThat(options.frequencyHz()).isEqualTo(250);
        assertThat(options.cpus().cpus()).containsExactly(0, 2, 3);
        assertThat(options.cgroups()).containsExactly("/a", "/b");
        assertThat(options.slice()).isEqualTo(Duration.ofMillis(500));
        assertThat(options.top()).isEqualTo(3);
        assertThat(options.format()).isEqualTo(OutputFormat.JSON);
        assertThat(options.output()).isEqualTo(Path.of("/tmp/x.json"));
    }

    @Test
    void netRxIsOffUnlessAskedFor() {
        assertThat(parse().netRx()).isFalse();
        ProfileOptions options = parse("--net-rx", "--duration", "5s");
        assertThat(options.netRx()).isTrue();
        assertThat(options.offCpu())
                .as("--net-rx does not set --off-cpu; the command runs it")
                .isFalse();
        assertThat(options.duration()).isEqualTo(Duration.ofSeconds(5));
        assertThatThrownBy(() -> parse("--net-rxx"))
                .isInstanceOf(UsageException.class)
                .hasMessageStartingWith("unknown option '--net-rxx' for 'profile'")
                .hasMessageContaining("did you mean --net-rx?");
    }

    @Test
    void frequencyMustBeFrom1To1000() {
        assertThat(parse("--frequency", "1").frequencyHz()).isEqualTo(1);
        assertThat(parse("--frequency", "1000").frequencyHz()).isEqualTo(1000);
        assertThatThrownBy(() -> parse("--frequency", "0"))
                .isInstanceOf(UsageException.class)
                .hasMessage("--frequency must be from 1 to 1000, not 0");
        assertThatThrownBy(() -> parse("--frequency", "1001")).hasMessageContaining("not 1001");
        assertThatThrownBy(() -> parse("--frequency", "fast")).hasMessageContaining("whole number");
    }

    @Test
    void unknownCpusAreRefusedWithTheOnlineList() {
        assertThatThrownBy(() -> parse("--cpus", "7"))
                .isInstanceOf(UsageException.class)
                .hasMessage("--cpus: unknown CPU 7: this node's online CPUs are 0-3");
        assertThatThrownBy(() -> parse("--cpus", "3-1")).hasMessageContaining("reversed");
    }

    @Test
    void durationsMustBePositive() {
        assertThatThrownBy(() -> parse("--duration", "-5s"))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("--duration must be a positive duration");
        assertThatThrownBy(() -> parse("--duration", "0")).hasMessageContaining("at least 1ms");
        assertThatThrownBy(() -> parse("--slice", "soon")).hasMessageContaining("--slice");
    }

    @Test
    void unknownOptionsFormatsAndMissingValuesAreNamed() {
        assertThatThrownBy(() -> parse("--speed", "3"))
                .hasMessageStartingWith("unknown option '--speed' for 'profile'");
        assertThatThrownBy(() -> parse("--format", "xml"))
                .hasMessage("--format must be one of table|json|folded|pprof|svg, not 'xml'");
        assertThatThrownBy(() -> parse("--top")).hasMessage("--top needs a value");
        assertThatThrownBy(() -> parse("stray"))
                .hasMessage("unexpected argument 'stray' for 'profile' (options start with --)");
    }

    @Test
    void unwindsWithDwarfUnlessFramePointersAreAskedFor() {
        assertThat(parse().unwinding()).isEqualTo(Unwinding.DWARF);
        assertThat(parse("--unwind", "fp").unwinding()).isEqualTo(Unwinding.FRAME_POINTERS);
        assertThat(parse("--unwind=frame-pointers").unwinding()).isEqualTo(Unwinding.FRAME_POINTERS);
        assertThat(parse("--unwind", "dwarf").unwinding()).isEqualTo(Unwinding.DWARF);
        assertThatThrownBy(() -> parse("--unwind", "lbr"))
                .isInstanceOf(UsageException.class)
                .hasMessageStartingWith("--unwind: ")
                .hasMessageContaining("not 'lbr'");
    }
}
