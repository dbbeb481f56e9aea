package dev.ebpf.profiling.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.bpf.BpfException;
import dev.ebpf.profiling.agent.bpf.SamplingEvent;
import dev.ebpf.profiling.agent.cgroup.CgroupMount;
import dev.ebpf.profiling.agent.metrics.AgentMetrics;
import dev.ebpf.profiling.agent.netrx.NetReceiver;
import dev.ebpf.profiling.agent.testsupport.PodCgroups;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.agent.testsupport.TestTags;
import dev.ebpf.profiling.api.ingest.AgentLimitation;
import dev.ebpf.profiling.api.ingest.IngestContract;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.Profiler;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import dev.ebpf.profiling.api.profile.LateRead;
import dev.ebpf.profiling.api.profile.NetRxApplication;
import dev.ebpf.profiling.api.profile.NetRxProfile;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A job asking for net-rx, served by the multi-job run (real eBPF): its pod's reads, and only those. */
@Tag(TestTags.BPF)
class ClusterNetRxTest {

    private static final String NODE = "node-under-test";

    @TempDir
    Path work;

    @BeforeEach
    void bpfAvailable() {
        RequiresRoot.assumeBpf();
    }

    @Test
    // "try": NetReceiver.close() may throw InterruptedException, and the lookalike is held only to
    // be closed.
    @SuppressWarnings("try")
    void aNetRxJobGetsItsPodsQueueDelayAndNotAnotherNamespacesPod() throws Exception {
        Path receiver = NetReceiver.compile(work);
        String webUid = UUID.randomUUID().toString();
        String otherUid = UUID.randomUUID().toString();
        try (PodCgroups web = PodCgroups.builder().podUid(webUid).container().build();
                PodCgroups other =
                        PodCgroups.builder().podUid(otherUid).container().build();
                NetReceiver slow = NetReceiver.start(
                        receiver, web.container(0), NetReceiver.Protocol.TCP, NetReceiver.Pause.SLEEP, 50);
                NetReceiver lookalike = NetReceiver.start(
                        receiver, other.container(0), NetReceiver.Protocol.TCP, NetReceiver.Pause.SLEEP, 50)) {
            StaticJobSource source = new StaticJobSource();
            source.pods.addAll(List.of(
                    TestJobs.pod(
                            "web",
                            "web-1",
                            webUid,
                            Map.of("app", "web"),
                            NODE,
                            web.container(0).id()),
                    TestJobs.pod(
                            "other",
                            "web-lookalike",
                            otherUid,
                            Map.of("app", "web"),
                            NODE,
                            other.container(0).id())));
            ProfilingJobSpec spec = TestJobs.spec(Mode.FILTER, Map.of("app", "web"), "3s");
            spec.runs = 1;
            spec.profilers = List.of(Profiler.ON_CPU, Profiler.NET_RX);
            RecordingSinks sinks = new RecordingSinks(NODE);
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            ClusterRun run = sinks.agent(
                    source,
                    NodePolicy.fromEnvironment(Map.of(IngestContract.ENV_NODE_WIDE_NAMESPACES, "profiling-system")),
                    log);
            Thread agent = Thread.ofPlatform().name("agent-under-test").start(run::run);
            try {
                source.jobs.add(TestJobs.accepted("web", "web-net", spec, Instant.now()));
                assertThat(sinks.await(s -> !s.slicesOf("web-net").isEmpty(), 30_000))
                        .as("the job's slice; log:%n%s", log)
                        .isTrue();
            } finally {
                run.stop();
                agent.join(10_000);
            }
            NetRxProfile netRx =
                    sinks.slicesOf("web-net").getFirst().result().profile().netRx();
            assertThat(netRx).as("the net-rx part; log:%n%s", log).isNotNull();
            assertThat(netRx.applications()).extracting(NetRxApplication::name).containsExactly("pod web/web-1 (main)");
            NetRxApplication app = netRx.applications().getFirst();
            assertThat(app.pids()).containsExactly((int) slow.pid());
            assertThat(app.queueDelay().p50Ms()).isGreaterThanOrEqualTo(20);
            assertThat(app.lateBecause().getFirst().verdict()).isEqualTo(LateRead.OFF_CPU);
            assertThat(app.lateBecause().getFirst().reason()).isEqualTo("sleep");
            // The late read's stacks are named as their application is.
            assertThat(app.lateBecause().getFirst().offCpu())
                    .isNotEmpty()
                    .allSatisfy(h -> assertThat(h.application()).isEqualTo("pod web/web-1 (main)"));
            assertThat(app.lateBecause().getFirst().onCpu())
                    .allSatisfy(h -> assertThat(h.application()).isEqualTo("pod web/web-1 (main)"));
            assertThat(netRx.softirq())
                    .isNotEmpty()
                    .allSatisfy(cpu -> assertThat(cpu.node()).isEqualTo(NODE));
        }
    }

    @Test
    void aNodeWithoutNetRxServesTheJobWithoutItAndReportsWhy() throws Exception {
        String uid = UUID.randomUUID().toString();
        String refusal = "net-rx needs the tracepoint sock:sk_data_ready, which this kernel does not have"
                + " (no /sys/kernel/tracing/events/sock/sk_data_ready)";
        AtomicInteger netRxStarts = new AtomicInteger();
        try (PodCgroups web = PodCgroups.builder().podUid(uid).container().build()) {
            web.container(0).startBusyLoop();
            StaticJobSource source = new StaticJobSource();
            source.pods.add(TestJobs.pod(
                    "web",
                    "web-1",
                    uid,
                    Map.of("app", "web"),
                    NODE,
                    web.container(0).id()));
            ProfilingJobSpec spec = TestJobs.spec(Mode.FILTER, Map.of("app", "web"), "2s");
            spec.runs = 2;
            spec.profilers = List.of(Profiler.ON_CPU, Profiler.NET_RX);
            RecordingSinks sinks = new RecordingSinks(NODE);
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            ClusterRun run = new ClusterRun(
                    NODE,
                    source,
                    NodePolicy.fromEnvironment(Map.of(IngestContract.ENV_NODE_WIDE_NAMESPACES, "profiling-system")),
                    CgroupMount.findUnified(),
                    sinks,
                    sinks,
                    new AgentMetrics(NODE),
                    new PrintStream(log, true, StandardCharsets.UTF_8),
                    SamplingEvent.CPU_CLOCK,
                    settings -> {
                        // As a kernel without the sock tracepoints refuses it (this one has them).
                        netRxStarts.incrementAndGet();
                        throw new BpfException(refusal);
                    });
            Thread agent = Thread.ofPlatform().name("agent-under-test").start(run::run);
            try {
                source.jobs.add(TestJobs.accepted("web", "web-net", spec, Instant.now()));
                assertThat(sinks.await(s -> s.slicesOf("web-net").size() >= 2, 60_000))
                        .as("both of the job's slices; log:%n%s", log)
                        .isTrue();
            } finally {
                run.stop();
                agent.join(10_000);
            }
            assertThat(netRxStarts).as("tried once, not at every window").hasValue(1);
            assertThat(sinks.slicesOf("web-net")).allSatisfy(slice -> {
                assertThat(slice.result().profile().netRx()).isNull();
                assertThat(slice.result().profile().topApplications())
                        .as("on-CPU goes on")
                        .isNotEmpty();
                assertThat(slice.report().limitations())
                        .contains(new AgentLimitation(AgentLimitation.NET_RX_UNAVAILABLE, refusal));
            });
            assertThat(log.toString(StandardCharsets.UTF_8)
                            .lines()
                            .filter(line -> line.contains("net-rx profiler is unavailable")))
                    .as("said once in the log")
                    .containsExactly("warning: the net-rx profiler is unavailable on this node, jobs get slices"
                            + " without it: " + refusal);
        }
    }
}
