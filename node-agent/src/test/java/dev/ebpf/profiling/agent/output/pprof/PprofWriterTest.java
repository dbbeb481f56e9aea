package dev.ebpf.profiling.agent.output.pprof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebpf.profiling.agent.symbolize.Frames;
import dev.ebpf.profiling.agent.symbolize.SymbolizedStack;
import dev.ebpf.profiling.api.profile.Frame;
import dev.ebpf.profiling.api.profile.PodRef;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PprofWriterTest {

    private static final Frame MAIN = new Frame("main", "nginx", Frame.Origin.EXECUTABLE);
    private static final Frame PARSE = new Frame("ngx_parse", "nginx", Frame.Origin.EXECUTABLE);
    private static final Frame RECV = new Frame("recv", "libc.so.6", Frame.Origin.LIBRARY);
    private static final Frame TCP = new Frame("tcp_recvmsg", "vmlinux", Frame.Origin.KERNEL);
    private static final Frame CRON = new Frame("cron_main", "cron", Frame.Origin.EXECUTABLE);
    private static final Instant START = Instant.parse("2026-11-26T03:00:00.250Z");
    private static final Instant END = Instant.parse("2026-11-26T03:00:10.250Z");
    private static final PodRef NGINX_POD =
            PodRef.fromCgroup("5f1c-uid", "ab12cd").withNames("default", "nginx-7d9", "nginx");

    private static PprofSlice slice() {
        return new PprofSlice(
                List.of(
                        new SymbolizedStack(10, "nginx", List.of(TCP, RECV, MAIN), 40),
                        new SymbolizedStack(11, "nginx", List.of(TCP, RECV, MAIN), 20),
                        new SymbolizedStack(10, "nginx", List.of(PARSE, MAIN), 30),
                        new SymbolizedStack(20, "cron", List.of(CRON), 7),
                        new SymbolizedStack(
                                21, "batch", List.of(new Frame("[exited]", null, Frame.Origin.UNKNOWN)), 2)),
                Map.of("nginx", NGINX_POD, "batch", PodRef.fromCgroup("9a9a-uid", "ffee01")),
                99,
                START,
                END);
    }

    private static DecodedProfile roundTrip(PprofSlice slice) throws IOException {
        ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
        PprofWriter.write(slice, gzipped);
        return DecodedProfile.readGzipped(new ByteArrayInputStream(gzipped.toByteArray()));
    }

    @Test
    void roundTripsSamplesWithTheirStacksValuesAndLabels() throws IOException {
        DecodedProfile profile = roundTrip(slice());
        long period = 1_000_000_000L / 99;

        assertThat(profile.samples())
                .containsExactlyInAnyOrder(
                        new DecodedProfile.Sample(
                                List.of("tcp_recvmsg", "recv", "main"),
                                List.of("vmlinux", "libc.so.6", "nginx"),
                                List.of(60L, 60 * period),
                                Map.of("application", "nginx", "pod", "default/nginx-7d9", "container", "nginx")),
                        new DecodedProfile.Sample(
                                List.of("ngx_parse", "main"),
                                List.of("nginx", "nginx"),
                                List.of(30L, 30 * period),
                                Map.of("application", "nginx", "pod", "default/nginx-7d9", "container", "nginx")),
                        new DecodedProfile.Sample(
                                List.of("cron_main"),
                                List.of("cron"),
                                List.of(7L, 7 * period),
                                Map.of("application", "cron")),
                        new DecodedProfile.Sample(
                                List.of("[exited]"),
                                Arrays.asList((String) null),
                                List.of(2L, 2 * period),
                                Map.of("application", "batch", "pod", "9a9a-uid", "container", "ffee01")));
    }

    @Test
    void declaresSampleTypesPeriodAndTime() throws IOException {
        DecodedProfile profile = roundTrip(slice());

        assertThat(profile.sampleTypes())
                .containsExactly(
                        new DecodedProfile.ValueType("samples", "count"),
                        new DecodedProfile.ValueType("cpu", "nanoseconds"));
        assertThat(profile.periodType()).isEqualTo(new DecodedProfile.ValueType("cpu", "nanoseconds"));
        assertThat(profile.period).isEqualTo(1_000_000_000L / 99);
        assertThat(profile.timeNanos).isEqualTo(START.getEpochSecond() * 1_000_000_000L + 250_000_000L);
        assertThat(profile.durationNanos).isEqualTo(10_000_000_000L);
        assertThat(profile.string(profile.defaultSampleType)).isEqualTo("cpu");
    }

    @Test
    void writesEachFunctionLocationMappingAndStringOnce() throws IOException {
        DecodedProfile profile = roundTrip(slice());

        assertThat(profile.strings.getFirst()).isEmpty();
        assertThat(new HashSet<>(profile.strings)).hasSameSizeAs(profile.strings);
        // tcp_recvmsg, recv, main, ngx_parse, cron_main, [exited]
        assertThat(profile.functions).hasSize(6);
        assertThat(profile.locations).hasSize(6);
        assertThat(profile.mappings.values())
                .extracting(profile::string)
                .containsExactlyInAnyOrder("vmlinux", "libc.so.6", "nginx", "cron");
    }

    @Test
    void keepsMangledNamesAndTheAddressesOfUnnamedCodeAsSystemNames() throws IOException {
        Frame cxx = new Frame("Foo::Foo()", "app", Frame.Origin.EXECUTABLE, "_ZN3FooC2Ev");
        PprofSlice slice = new PprofSlice(
                List.of(
                        new SymbolizedStack(5, "app", List.of(cxx, MAIN), 3),
                        new SymbolizedStack(
                                5,
                                "app",
                                List.of(Frames.unnamed("libcrypto.so.3", 0x10, Frame.Origin.LIBRARY), MAIN),
                                2),
                        new SymbolizedStack(
                                5,
                                "app",
                                List.of(Frames.unnamed("libcrypto.so.3", 0x80, Frame.Origin.LIBRARY), MAIN),
                                1)),
                Map.of(),
                99,
                START,
                END);

        DecodedProfile profile = roundTrip(slice);

        assertThat(profile.systemNamesByName())
                .containsEntry("Foo::Foo()", new java.util.TreeSet<>(List.of("_ZN3FooC2Ev")))
                .containsEntry(
                        "[libcrypto.so.3]",
                        new java.util.TreeSet<>(List.of("[libcrypto.so.3+0x10]", "[libcrypto.so.3+0x80]")))
                .containsEntry(MAIN.function(), new java.util.TreeSet<>(List.of(MAIN.function())));
    }

    @Test
    void refusesASliceWithoutAFrequency() {
        assertThatThrownBy(() -> new PprofSlice(List.of(), Map.of(), 0, START, END))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sampling frequency must be positive, got 0");
    }
}
