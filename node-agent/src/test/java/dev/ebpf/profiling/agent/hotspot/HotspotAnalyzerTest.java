package dev.ebpf.profiling.agent.hotspot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ebpf.profiling.agent.symbolize.Frames;
import dev.ebpf.profiling.agent.symbolize.SymbolizedStack;
import dev.ebpf.profiling.api.profile.Frame;
import dev.ebpf.profiling.api.profile.Hotspot;
import dev.ebpf.profiling.api.profile.Location;
import dev.ebpf.profiling.api.profile.LocationSplit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HotspotAnalyzerTest {

    private static final HotspotAnalyzer ANALYZER =
            new HotspotAnalyzer(new VerdictRules(FrameRules.kernelSubsystems()));
    private static final Frame MAIN = new Frame("main", "nginx", Frame.Origin.EXECUTABLE);
    private static final Frame PARSE = new Frame("ngx_parse", "nginx", Frame.Origin.EXECUTABLE);
    private static final Frame MEMCPY = new Frame("memcpy", "libc.so.6", Frame.Origin.LIBRARY);
    private static final Frame CRON = new Frame("cron_main", "cron", Frame.Origin.EXECUTABLE);

    private static List<Frame> withUser(String kernelStack, Frame... user) {
        List<Frame> frames = new ArrayList<>(KernelStacks.kernel(kernelStack));
        frames.addAll(List.of(user));
        return frames;
    }

    private static final List<Frame> NETWORK = withUser("__napi_poll <- net_rx_action <- handle_softirqs", MAIN);

    /** nginx: 60 network (two processes), 30 parse, 10 memcpy; cron: 100 in its own code. */
    private static final List<SymbolizedStack> STACKS = List.of(
            new SymbolizedStack(10, "nginx", NETWORK, 40),
            new SymbolizedStack(11, "nginx", NETWORK, 20),
            new SymbolizedStack(10, "nginx", List.of(PARSE, MAIN), 30),
            new SymbolizedStack(10, "nginx", List.of(MEMCPY, MAIN), 10),
            new SymbolizedStack(20, "cron", List.of(CRON), 100));

    @Test
    void mergesProcessesOfOneApplicationAndRanksItsStacks() {
        List<Hotspot> nginx =
                ANALYZER.analyze(STACKS, List.of("nginx", "cron"), 5).of("nginx");

        assertThat(nginx).extracting(Hotspot::samples).containsExactly(60L, 30L, 10L);
        Hotspot top = nginx.getFirst();
        assertThat(top.location()).isEqualTo(Location.KERNEL);
        assertThat(top.subsystem()).isEqualTo("network");
        assertThat(top.frames()).isEqualTo(NETWORK);
        assertThat(top.percentOfApplication()).isCloseTo(60.0, within(1e-9));
        assertThat(top.percentOfTotal()).isCloseTo(30.0, within(1e-9));
        assertThat(nginx.get(1).location()).isEqualTo(Location.APPLICATION);
        assertThat(nginx.get(1).subsystem()).isNull();
        assertThat(nginx.get(2).location()).isEqualTo(Location.LIBRARY);
    }

    @Test
    void keepsTheTopNPerApplicationInTheOrderAsked() {
        SliceHotspots result = ANALYZER.analyze(STACKS, List.of("cron", "nginx"), 2);

        assertThat(result.hotspots())
                .extracting(Hotspot::application, Hotspot::samples)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("cron", 100L),
                        org.assertj.core.groups.Tuple.tuple("nginx", 60L),
                        org.assertj.core.groups.Tuple.tuple("nginx", 30L));
        assertThat(result.of("cron").getFirst().percentOfApplication()).isCloseTo(100.0, within(1e-9));
        assertThat(result.of("cron").getFirst().percentOfTotal()).isCloseTo(50.0, within(1e-9));
    }

    @Test
    void splitsAllSamplesOfTheSliceByVerdict() {
        List<SymbolizedStack> stacks = new ArrayList<>(STACKS);
        stacks.add(new SymbolizedStack(30, "gone", List.of(), 50));

        LocationSplit split = ANALYZER.analyze(stacks, List.of("nginx"), 1).locationSplit();

        assertThat(split).isEqualTo(LocationSplit.of(130, 10, 60, 50));
        assertThat(split.kernelPercent()).isCloseTo(24.0, within(1e-9));
        assertThat(split.applicationPercent() + split.libraryPercent() + split.kernelPercent() + split.unknownPercent())
                .isCloseTo(100.0, within(1e-9));
    }

    @Test
    void codeWithoutSymbolsGroupsPerFile() {
        // openssl: the hot code is spread over many addresses of libcrypto without symbols.
        Frame openssl = new Frame("main", "openssl", Frame.Origin.EXECUTABLE);
        List<SymbolizedStack> stacks = new ArrayList<>();
        for (int offset = 0; offset < 50; offset++) {
            stacks.add(new SymbolizedStack(
                    7,
                    "openssl",
                    List.of(Frames.unnamed("libcrypto.so.3", 0x1000 + offset * 0x40, Frame.Origin.LIBRARY), openssl),
                    2));
        }
        stacks.add(new SymbolizedStack(7, "openssl", List.of(openssl), 10));

        SliceHotspots result = ANALYZER.analyze(stacks, List.of("openssl"), 5);

        Hotspot hottest = result.hotspots().getFirst();
        assertThat(hottest.frames())
                .containsExactly(new Frame("[libcrypto.so.3]", "libcrypto.so.3", Frame.Origin.LIBRARY), openssl);
        assertThat(hottest.samples()).isEqualTo(100);
        assertThat(hottest.percentOfApplication()).isCloseTo(90.9, org.assertj.core.data.Offset.offset(0.1));
    }

    @Test
    void anApplicationWithoutStacksHasNoHotspots() {
        assertThat(ANALYZER.analyze(STACKS, List.of("absent"), 5).hotspots()).isEmpty();
        assertThat(ANALYZER.analyze(List.of(), List.of("absent"), 5).locationSplit())
                .isEqualTo(LocationSplit.of(0, 0, 0, 0));
    }
}
