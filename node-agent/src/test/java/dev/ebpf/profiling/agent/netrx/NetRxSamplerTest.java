package dev.ebpf.profiling.agent.netrx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebpf.profiling.agent.bpf.BpfException;
import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import dev.ebpf.profiling.agent.netrx.NetReceiver.Pause;
import dev.ebpf.profiling.agent.netrx.NetReceiver.Protocol;
import dev.ebpf.profiling.agent.sampler.NetRxSampler;
import dev.ebpf.profiling.agent.sampler.NetRxTestSeams;
import dev.ebpf.profiling.agent.sampler.RawNetRxSlice;
import dev.ebpf.profiling.agent.testsupport.PodCgroups;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.agent.testsupport.TestTags;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The net-rx sampler's filters, limits and bad input, on real loopback receivers (as root). */
@Tag(TestTags.BPF)
class NetRxSamplerTest {

    @TempDir
    static Path work;

    private static Path receiver;

    @BeforeAll
    static void compileReceiver() throws Exception {
        receiver = NetReceiver.compile(work);
    }

    @BeforeEach
    void bpfAvailable() {
        RequiresRoot.assumeBpf();
    }

    @Test
    void aKernelWithoutOneOfTheTracepointsIsOneClearLine() {
        NetRxSampler.Settings settings =
                new NetRxSampler.Settings(OnlineCpus.read().cpus(), Set.of());
        assertThatThrownBy(() -> NetRxTestSeams.start(settings, List.of("sock/sk_data_ready", "sock/no_such_event")))
                .isInstanceOf(BpfException.class)
                .hasMessageStartingWith(
                        "net-rx needs the tracepoint sock:no_such_event, which this kernel does not have")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    @SuppressWarnings("try") // NetReceiver.close() may throw InterruptedException (it joins its thread)
    void theCgroupFilterCountsOnlyTheAllowedPodsReads() throws Exception {
        try (PodCgroups kept = PodCgroups.builder().container().build();
                PodCgroups other = PodCgroups.builder().container().build()) {
            List<Integer> cpus = OnlineCpus.read().cpus();
            try (NetRxSampler sampler = NetRxSampler.start(new NetRxSampler.Settings(
                            cpus, Set.of(kept.container(0).cgroupId())));
                    NetReceiver in = NetReceiver.start(receiver, kept.container(0), Protocol.UDP, Pause.AT_ONCE, 0);
                    NetReceiver out = NetReceiver.start(receiver, other.container(0), Protocol.UDP, Pause.AT_ONCE, 0)) {
                Thread.sleep(200);
                sampler.cut();
                Thread.sleep(1_000);
                RawNetRxSlice slice = sampler.cut();
                assertThat(slice.applicationOf(in.pid())).isNotNull();
                assertThat(slice.applicationOf(in.pid()).reads()).isGreaterThan(100);
                assertThat(slice.applicationOf(out.pid())).isNull();
                assertThat(slice.socketWaits())
                        .allSatisfy(wait -> assertThat(wait.tgid()).isEqualTo((int) in.pid()));
                // The other pod read as much: every one of its reads was turned away in the kernel.
                assertThat(slice.counters().filteredOut()).isGreaterThan(100);
            }
        }
    }

    @Test
    // "try": NetReceiver.close() may throw InterruptedException; the receivers are held only to be
    // closed.
    @SuppressWarnings("try")
    void aFullApplicationMapIsCounted() throws Exception {
        try (PodCgroups first = PodCgroups.builder().container().build();
                PodCgroups second = PodCgroups.builder().container().build()) {
            List<Integer> cpus = OnlineCpus.read().cpus();
            Set<Long> both =
                    Set.of(first.container(0).cgroupId(), second.container(0).cgroupId());
            try (NetRxSampler sampler = NetRxSampler.start(new NetRxSampler.Settings(cpus, true, both, 1));
                    NetReceiver a = NetReceiver.start(receiver, first.container(0), Protocol.UDP, Pause.AT_ONCE, 0);
                    NetReceiver b = NetReceiver.start(receiver, second.container(0), Protocol.UDP, Pause.AT_ONCE, 0)) {
                Thread.sleep(200);
                sampler.cut();
                Thread.sleep(1_000);
                RawNetRxSlice slice = sampler.cut();
                // One entry: the first reader of the slice takes it, every read of the other is lost.
                assertThat(slice.applications()).hasSize(1);
                assertThat(slice.counters().lostAppMapFull()).isGreaterThan(100);
                assertThat(slice.counters().lostTotal())
                        .isGreaterThanOrEqualTo(slice.counters().lostAppMapFull());
            }
        }
    }
}
