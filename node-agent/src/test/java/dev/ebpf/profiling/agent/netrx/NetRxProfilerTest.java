package dev.ebpf.profiling.agent.netrx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.cgroup.CgroupResolver;
import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import dev.ebpf.profiling.agent.netrx.NetReceiver.Pause;
import dev.ebpf.profiling.agent.netrx.NetReceiver.Protocol;
import dev.ebpf.profiling.agent.profile.SliceAnalyzer;
import dev.ebpf.profiling.agent.sampler.NetRxSampler;
import dev.ebpf.profiling.agent.sampler.OffCpuSampler;
import dev.ebpf.profiling.agent.sampler.OnCpuSampler;
import dev.ebpf.profiling.agent.sampler.RawNetRxSlice;
import dev.ebpf.profiling.agent.sampler.RawOffCpuSlice;
import dev.ebpf.profiling.agent.sampler.RawSlice;
import dev.ebpf.profiling.agent.testsupport.PodCgroups;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.agent.testsupport.TestTags;
import dev.ebpf.profiling.api.profile.Frame;
import dev.ebpf.profiling.api.profile.LateRead;
import dev.ebpf.profiling.api.profile.NetRxApplication;
import dev.ebpf.profiling.api.profile.NetRxProfile;
import dev.ebpf.profiling.api.profile.WorstSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole net-rx path for real: receivers in pod-shaped cgroups over loopback TCP and UDP (IPv4 and IPv6), the
 * three samplers (on-CPU, off-CPU, net-rx) filtered to the pod, and the slice analysis.
 */
@Tag(TestTags.BPF)
class NetRxProfilerTest {

    private static final int PAUSE_MS = 50;
    private static final long SLICE_MS = 3_000;

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

    /** One receiver in its own pod, profiled for one slice; its application in the net-rx part. */
    private static NetRxApplication profile(Protocol protocol, Pause pause) throws Exception {
        return profile(protocol, pause, false);
    }

    @SuppressWarnings("try") // NetReceiver.close() may throw InterruptedException (it joins its thread)
    private static NetRxApplication profile(Protocol protocol, Pause pause, boolean ioUring) throws Exception {
        List<Integer> cpus = OnlineCpus.read().cpus();
        CgroupResolver cgroups = CgroupResolver.forThisMachine();
        SliceAnalyzer analyzer = SliceAnalyzer.forThisMachine("test-node", cgroups, 10, 5);
        try (PodCgroups pod = PodCgroups.builder().container().build()) {
            PodCgroups.Container container = pod.container(0);
            Set<Long> only = Set.of(container.cgroupId());
            try (OnCpuSampler onCpu = OnCpuSampler.start(OnCpuSampler.Settings.of(cpus, 99, only));
                    OffCpuSampler offCpu = OffCpuSampler.start(new OffCpuSampler.Settings(cpus, only, 1_000_000));
                    NetRxSampler netRx = NetRxSampler.start(new NetRxSampler.Settings(cpus, only));
                    NetReceiver running = ioUring
                            ? NetReceiver.startIoUring(receiver, container, protocol, pause, PAUSE_MS)
                            : NetReceiver.start(receiver, container, protocol, pause, PAUSE_MS)) {
                Thread.sleep(300);
                onCpu.cut();
                offCpu.cut();
                netRx.cut();
                Thread.sleep(SLICE_MS);
                RawSlice onSlice = onCpu.cut();
                RawOffCpuSlice offSlice = offCpu.cut();
                RawNetRxSlice netSlice = netRx.cut();
                NetRxProfile profile = analyzer.analyze(onSlice, offSlice, null, netSlice)
                        .profile()
                        .netRx();
                NetRxApplication app = profile.applications().stream()
                        .filter(a ->
                                a.pod() != null && container.id().equals(a.pod().containerId()))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("the receiver's pod is missing from " + profile));
                assertThat(app.pod().uid()).isEqualTo(pod.podUid());
                assertThat(app.pids()).containsExactly((int) running.pid());
                assertThat(app.bytes()).isPositive();
                assertThat(app.packets()).isPositive();
                WorstSocket socket = app.worstSockets().getFirst();
                assertThat(socket.protocol()).isEqualTo(protocol.transport);
                // IPv6 in brackets and in its short form, as a URL writes it.
                String loopback = protocol.loopback instanceof java.net.Inet6Address ? "[::1]" : "127.0.0.1";
                assertThat(socket.local()).isEqualTo(loopback + ":" + running.port());
                if (protocol.transport.equals("tcp")) {
                    assertThat(socket.remote()).matches(java.util.regex.Pattern.quote(loopback) + ":[0-9]+");
                } else {
                    assertThat(socket.remote())
                            .as("an unconnected UDP socket has no peer")
                            .isNull();
                }
                assertThat(socket.maxWaitMs()).isEqualTo(app.queueDelay().maxMs());
                return app;
            }
        }
    }

    private static void assertLateBecauseOfSleep(NetRxApplication app) {
        // A 50 ms pause between reads of a sender's 1 ms stream: every read takes data that waited
        // about the pause (TCP) or longer (UDP, one datagram a read, the queue backs up). Half of
        // the pause leaves room for a histogram bucket's spread and a slow sender.
        assertThat(app.queueDelay().p50Ms()).isGreaterThanOrEqualTo(20);
        assertThat(app.queueDelay().reads()).as("about one read per pause").isGreaterThan(10);
        LateRead late = app.lateBecause().getFirst();
        assertThat(late.verdict()).isEqualTo(LateRead.OFF_CPU);
        assertThat(late.reason()).isEqualTo("sleep");
        assertThat(late.blockedPercent()).isGreaterThan(late.onCpuPercent());
        assertThat(late.offCpu()).isNotEmpty();
    }

    @Test
    void aTcpReaderThatSleepsBetweenReadsLetsDataWaitAndIsLateOffTheCpu() throws Exception {
        assertLateBecauseOfSleep(profile(Protocol.TCP, Pause.SLEEP));
    }

    @Test
    void aUdpReaderThatSleepsBetweenReadsLetsDataWaitAndIsLateOffTheCpu() throws Exception {
        assertLateBecauseOfSleep(profile(Protocol.UDP, Pause.SLEEP));
    }

    @Test
    void anIpv6TcpReaderThatSleepsBetweenReadsLetsDataWaitAndIsLateOffTheCpu() throws Exception {
        assertLateBecauseOfSleep(profile(Protocol.TCP6, Pause.SLEEP));
    }

    @Test
    void anIpv6UdpReaderThatSleepsBetweenReadsLetsDataWaitAndIsLateOffTheCpu() throws Exception {
        assertLateBecauseOfSleep(profile(Protocol.UDP6, Pause.SLEEP));
    }

    @Test
    void anIpv6UdpReaderThatReadsAtOnceKeepsTheDelayShort() throws Exception {
        assertPrompt(profile(Protocol.UDP6, Pause.AT_ONCE));
    }

    /**
     * io_uring's IORING_OP_RECV reads through sock_recvmsg, so sock_recv_length sees it (in the
     * submitting task; a first try that finds no data returns -EAGAIN and consumes nothing).
     */
    @Test
    void readsThroughIoUringAreSeenWithTheirQueueDelay() throws Exception {
        assertLateBecauseOfSleep(profile(Protocol.TCP, Pause.SLEEP, true));
    }

    @Test
    void promptReadsThroughIoUringAreSeen() throws Exception {
        assertPrompt(profile(Protocol.UDP, Pause.AT_ONCE, true));
    }

    private static void assertPrompt(NetRxApplication app) {
        // Blocked in recv when the data comes: the delay is the wake-up, microseconds when idle,
        // a few ms on this loaded 2-CPU machine at worst for the median.
        assertThat(app.queueDelay().p50Ms()).isLessThanOrEqualTo(5);
        assertThat(app.queueDelay().reads()).isGreaterThan(100);
    }

    @Test
    void aTcpReaderThatReadsAtOnceKeepsTheDelayShort() throws Exception {
        assertPrompt(profile(Protocol.TCP, Pause.AT_ONCE));
    }

    @Test
    void aUdpReaderThatReadsAtOnceKeepsTheDelayShort() throws Exception {
        assertPrompt(profile(Protocol.UDP, Pause.AT_ONCE));
    }

    @Test
    void aReaderBusyOnTheCpuBetweenReadsShowsThatHotspotAsTheReason() throws Exception {
        NetRxApplication app = profile(Protocol.TCP, Pause.BUSY);
        assertThat(app.queueDelay().p50Ms()).isGreaterThanOrEqualTo(20);
        LateRead late = app.lateBecause().getFirst();
        assertThat(late.verdict()).isEqualTo(LateRead.ON_CPU);
        assertThat(late.onCpuPercent()).isGreaterThanOrEqualTo(late.blockedPercent());
        assertThat(late.onCpu())
                .as("the busy loop is among the reader's hottest stacks")
                .anySatisfy(hotspot ->
                        assertThat(hotspot.frames()).extracting(Frame::function).contains(NetReceiver.BUSY_FUNCTION));
    }
}
