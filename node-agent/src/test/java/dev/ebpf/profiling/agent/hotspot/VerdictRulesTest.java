package dev.ebpf.profiling.agent.hotspot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.profile.Frame;
import dev.ebpf.profiling.api.profile.Location;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VerdictRulesTest {

    private static final VerdictRules VERDICTS = new VerdictRules(FrameRules.kernelSubsystems());
    private static final Frame MAIN = new Frame("main", "nginx", Frame.Origin.EXECUTABLE);

    @Test
    void aLeafInTheExecutableIsTheApplication() {
        Frame parse = new Frame("ngx_http_parse_request_line", "nginx", Frame.Origin.EXECUTABLE);

        assertThat(VERDICTS.decide(List.of(parse, MAIN))).isEqualTo(Verdict.APPLICATION);
    }

    @Test
    void aLeafInJitCodeIsTheApplication() {
        Frame jit = new Frame("Lcom/example/Handler;::handle", "[jit]", Frame.Origin.JIT);

        assertThat(VERDICTS.decide(List.of(jit, new Frame("JavaMain", "libjli.so", Frame.Origin.LIBRARY))))
                .isEqualTo(Verdict.APPLICATION);
    }

    @Test
    void aLeafInASharedObjectIsALibrary() {
        Frame memcpy = new Frame("__memmove_avx_unaligned_erms", "libc.so.6", Frame.Origin.LIBRARY);

        assertThat(VERDICTS.decide(List.of(memcpy, MAIN))).isEqualTo(Verdict.LIBRARY);
    }

    @ParameterizedTest
    @ValueSource(strings = {"libpython3.12.so.1.0", "libjvm.so", "libnode.so.109", "libruby-3.1.so.3.1"})
    void aLeafInALanguageRuntimeIsTheApplication(String runtime) {
        Frame eval = new Frame("_PyEval_EvalFrameDefault", runtime, Frame.Origin.LIBRARY);

        assertThat(VERDICTS.decide(List.of(eval, MAIN))).isEqualTo(Verdict.APPLICATION);
    }

    @Test
    void runtimeLibrariesAreDataNotCode() {
        RuntimeLibraries runtimes = RuntimeLibraries.parse(List.of("# comment", "", "libmine*.so"));

        assertThat(runtimes.contains("libmine-2.so")).isTrue();
        assertThat(runtimes.contains("libc.so.6")).isFalse();
        assertThat(runtimes.contains(null)).isFalse();
        assertThat(RuntimeLibraries.shipped().contains("libc.so.6")).isFalse();
    }

    @Test
    void aKernelLeafIsTheKernelWithItsSubsystem() {
        List<Frame> frames = new ArrayList<>(KernelStacks.kernel("__napi_poll <- net_rx_action <- handle_softirqs"));
        frames.add(new Frame("recvmsg", "libc.so.6", Frame.Origin.LIBRARY));
        frames.add(MAIN);

        Verdict verdict = VERDICTS.decide(frames);

        assertThat(verdict).isEqualTo(Verdict.kernel("network"));
        assertThat(verdict.location()).isEqualTo(Location.KERNEL);
    }

    @Test
    void anEmptyOrUnnamedStackIsUnknown() {
        assertThat(VERDICTS.decide(List.of())).isEqualTo(Verdict.UNKNOWN);
        assertThat(VERDICTS.decide(List.of(new Frame("[exited]", null, Frame.Origin.UNKNOWN))))
                .isEqualTo(Verdict.UNKNOWN);
    }
}
