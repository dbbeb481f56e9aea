package dev.ebpf.profiling.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import dev.ebpf.profiling.agent.testsupport.PodCgroups;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.agent.testsupport.SamplingTolerance;
import dev.ebpf.profiling.agent.testsupport.TestTags;
import dev.ebpf.profiling.api.ingest.IngestContract;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.Profiler;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import dev.ebpf.profiling.api.profile.ApplicationUsage;
import dev.ebpf.profiling.api.profile.NodeProfile;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * One agent (the multi-job run, real eBPF) serving several jobs on this machine, with real busy
 * processes in pod-shaped cgroups and jobs given as the informers would give them.
 */
@Tag(TestTags.BPF)
class ClusterRunTest {

    private static final String NODE = "node-under-test";
    /**
     * A floor under the binomial bound (SamplingTolerance): the truth is interpolated between cpu.stat
     * readings taken every 20 ms (more apart on a busy machine), an error that is not statistical.
     */
    private static final double POINTS = 3.0;

    @BeforeEach
    void bpfAvailable() {
        RequiresRoot.assumeBpf();
        RequiresRoot.require(
                OnlineCpus.read().cpus().containsAll(List.of(0, 1)), "needs CPUs 0 and 1 to pin the busy loops");
    }

    @Test
    void twoJobsGetTheirOwnPodsAndCpusAndAThirdAddedLaterNeedsNoNewSampler() throws Exception {
        String webUid = java.util.UUID.randomUUID().toString();
        String batchUid = java.util.UUID.randomUUID().toString();
        String intruderUid = java.util.UUID.randomUUID().toString();
        String toolUid = java.util.UUID.randomUUID().toString();
        try (PodCgroups web = PodCgroups.builder().podUid(webUid).container().build();
                PodCgroups batch =
                        PodCgroups.builder().podUid(batchUid).container().build();
                PodCgroups intruder =
                        PodCgroups.builder().podUid(intruderUid).container(0.2).build();
                PodCgroups tool =
                        PodCgroups.builder().podUid(toolUid).container(0.3).build()) {
            // Each measured loop has a CPU of its own: web on 0, batch on 1 (the CPU its job filters).
            web.container(0).start("taskset", "-c", "0", "sh", "-c", "while :; do :; done");
            batch.container(0).start("taskset", "-c", "1", "sh", "-c", "while :; do :; done");
            intruder.container(0).startBusyLoop();
            tool.container(0).startBusyLoop();

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
                            "batch",
                            "batch-1",
                            batchUid,
                            Map.of("app", "batch"),
                            NODE,
                            batch.container(0).id()),
                    // Another namespace's pod with the web job's labels: never the web job's.
                    TestJobs.pod(
                            "other",
                            "web-lookalike",
                            intruderUid,
                            Map.of("app", "web"),
                            NODE,
                            intruder.container(0).id()),
                    TestJobs.pod(
                            "tools",
                            "tool-1",
                            toolUid,
                            Map.of("app", "tool"),
                            NODE,
                            tool.container(0).id())));

            ProfilingJobSpec webSpec = TestJobs.spec(Mode.FILTER, Map.of("app", "web"), "4s");
            webSpec.frequencyHz = 997; // above the node's cap
            webSpec.runs = 2;
            webSpec.profilers = List.of(Profiler.ON_CPU, Profiler.OFF_CPU); // off-CPU runs while it does
            ProfilingJobSpec batchSpec = TestJobs.spec(Mode.GENERAL, Map.of("app", "batch"), "4s");
            batchSpec.interval = "6s";
            batchSpec.cpus = "1";
            batchSpec.frequencyHz = 199;
            batchSpec.runs = 2;
            // Node-wide from a namespace the admin did not list: ignored with one log line.
            ProfilingJobSpec tenantSpec = TestJobs.spec(Mode.FILTER, null, "2s");
            NodePolicy policy = NodePolicy.fromEnvironment(Map.of(
                    IngestContract.ENV_NODE_WIDE_NAMESPACES, "profiling-system",
                    IngestContract.ENV_MAX_FREQUENCY_HZ, "499"));
            RecordingSinks sinks = new RecordingSinks(NODE);
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            ClusterRun run = sinks.agent(source, policy, log);
            List<PodCgroups.Container> measured = List.of(web.container(0), batch.container(0), tool.container(0));
            try (CpuUsageRecorder usage = new CpuUsageRecorder(measured)) {
                Instant accepted;
                Thread agent = Thread.ofPlatform().name("agent-under-test").start(run::run);
                try {
                    // The agent runs before the jobs come, as the DaemonSet's pods do.
                    long loaded = System.currentTimeMillis() + 30_000;
                    while (run.onCpuSamplerStarts() == 0 && System.currentTimeMillis() < loaded) {
                        Thread.sleep(50);
                    }
                    accepted = Instant.now();
                    ProfilingJob webJob = TestJobs.accepted("web", "web-profile", webSpec, accepted);
                    ProfilingJob batchJob = TestJobs.accepted("batch", "batch-cpu1", batchSpec, accepted);
                    source.jobs.addAll(List.of(
                            webJob,
                            batchJob,
                            TestJobs.accepted("tenant", "whole-node", tenantSpec, accepted),
                            // Its pods run on other nodes: this node sends nothing for it.
                            TestJobs.accepted(
                                    "web",
                                    "elsewhere",
                                    TestJobs.spec(Mode.FILTER, Map.of("app", "absent"), "2s"),
                                    accepted)));

                    // Waits are upper bounds for a crowded machine; they cost nothing when all goes well.
                    assertThat(sinks.await(s -> !s.slicesOf("web-profile").isEmpty(), 120_000))
                            .as("the web job's first slice; log:%n%s", log)
                            .isTrue();
                    // A third job comes while the others run.
                    ProfilingJobSpec toolSpec = TestJobs.spec(Mode.FILTER, Map.of("app", "tool"), "3s");
                    toolSpec.runs = 1;
                    Instant toolAccepted = Instant.now();
                    source.jobs.add(TestJobs.accepted("tools", "tool-profile", toolSpec, toolAccepted));

                    assertThat(sinks.await(
                                    s -> s.slicesOf("web-profile").size() >= 2
                                            && s.slicesOf("batch-cpu1").size() >= 2
                                            && s.slicesOf("tool-profile").size() >= 1,
                                    180_000))
                            .as("every job's slices; log:%n%s", log)
                            .isTrue();
                    RecordingSinks.Published toolSlice =
                            sinks.slicesOf("tool-profile").getFirst();
                    assertFirstSliceAtOnce(toolSlice, toolAccepted, describe(sinks));
                    checkJob(
                            toolSlice,
                            toolUid,
                            "tools",
                            tool.container(0),
                            usage,
                            List.of(0, 1),
                            describe(sinks) + "\nlog:\n" + log);
                } finally {
                    run.stop();
                    agent.join(10_000);
                    System.out.println("DEBUG LOG\n" + log);
                    sinks.slices()
                            .forEach(p -> System.out.println("DEBUG " + p.job().name() + " " + p.window() + " "
                                    + p.result().profile().totalSamples() + " "
                                    + p.result().profile().cpus() + " "
                                    + p.result().profile().topApplications()));
                }

                assertThat(run.onCpuSamplerStarts())
                        .as("jobs came and went without loading the sampler again")
                        .isEqualTo(1);
                for (RecordingSinks.Published slice : sinks.slicesOf("web-profile")) {
                    checkJob(
                            slice,
                            webUid,
                            "web",
                            web.container(0),
                            usage,
                            List.of(0, 1),
                            describe(sinks) + "\nlog:\n" + log);
                    assertThat(slice.result().profile().frequencyHz())
                            .as("the node's real rate: the highest asked, capped at 499")
                            .isEqualTo(499);
                    // The off-CPU sampler's cuts are split alike: only the web pod's waits.
                    assertThat(slice.result().profile().offCpu()).isNotNull();
                    assertThat(slice.result().profile().offCpu().topApplications())
                            .allSatisfy(app -> assertThat(app.name()).isEqualTo("pod web/web-1 (main)"));
                    // Hotspots take the pod's name with their application.
                    assertThat(slice.result().profile().offCpu().hotspots())
                            .allSatisfy(h -> assertThat(h.application()).isEqualTo("pod web/web-1 (main)"));
                    assertThat(slice.result().profile().hotspots())
                            .isNotEmpty()
                            .allSatisfy(h -> assertThat(h.application()).isEqualTo("pod web/web-1 (main)"));
                }
                for (RecordingSinks.Published slice : sinks.slicesOf("batch-cpu1")) {
                    assertThat(slice.result().profile().offCpu())
                            .as("on-CPU only")
                            .isNull();
                    checkJob(
                            slice,
                            batchUid,
                            "batch",
                            batch.container(0),
                            usage,
                            List.of(1),
                            describe(sinks) + "\nlog:\n" + log);
                }
                // Its first slice ran beside the web job's (the node at 499 Hz); alone, the node samples at its 199 Hz.
                assertThat(sinks.slicesOf("batch-cpu1")
                                .getFirst()
                                .result()
                                .profile()
                                .frequencyHz())
                        .isEqualTo(499);
                assertThat(sinks.slicesOf("batch-cpu1")
                                .get(1)
                                .result()
                                .profile()
                                .frequencyHz())
                        .isBetween(199, 499);
                String seen = describe(sinks) + "\nlog:\n" + log;
                assertFirstSliceAtOnce(sinks.slicesOf("web-profile").getFirst(), accepted, seen);
                assertFirstSliceAtOnce(sinks.slicesOf("batch-cpu1").getFirst(), accepted, seen);
                // Later general-mode slices follow the interval, aligned to the wall clock.
                assertThat(sinks.slicesOf("batch-cpu1").get(1).window().start().getEpochSecond() % 6)
                        .isZero();
                // Filter mode: back to back.
                assertThat(sinks.slicesOf("web-profile").get(1).window().start())
                        .isEqualTo(sinks.slicesOf("web-profile")
                                .getFirst()
                                .window()
                                .end());
            }
            assertThat(sinks.slicesOf("whole-node")).isEmpty();
            assertThat(sinks.slicesOf("elsewhere")).isEmpty();
            assertThat(log.toString(StandardCharsets.UTF_8)).doesNotContain("web/elsewhere");
            assertThat(log.toString(StandardCharsets.UTF_8).lines().filter(line -> line.contains("tenant/whole-node")))
                    .singleElement()
                    .satisfies(line -> assertThat(line)
                            .isEqualTo("job tenant/whole-node ignored on node-under-test: node-wide profiling is not"
                                    + " allowed in namespace tenant (" + IngestContract.ENV_NODE_WIDE_NAMESPACES
                                    + " lists [profiling-system])"));
            // Every slice was built into the report the ingest client will push.
            assertThat(sinks.slices()).allSatisfy(slice -> {
                assertThat(slice.report().node()).isEqualTo(NODE);
                assertThat(slice.report().sliceStart()).isEqualTo(slice.window().start());
                assertThat(slice.report().onCpuStacks()).isNotEmpty();
                assertThat(slice.report().onCpuStacks().size())
                        .isLessThanOrEqualTo(IngestContract.MAX_STACKS_PER_REPORT);
            });
        }
    }

    /** The first slice of a job with runs starts within 2 s of its acceptance, and is published after its end. */
    private static void assertFirstSliceAtOnce(RecordingSinks.Published first, Instant accepted, String seen) {
        assertThat(Duration.between(accepted, first.window().start()))
                .as("accepted at %s; %s", accepted, seen)
                .isBetween(Duration.ZERO, Duration.ofSeconds(2));
        // Upper bounds, not expectations: at a load average of 30 on two CPUs the agent's cut thread
        // woke 1.5 s late. They catch a window missed or a slice never published, not a slow machine.
        assertThat(first.result().profile().start())
                .as("sampling started at the window's start (give or take a busy machine's wake-up); %s", seen)
                .isBefore(first.window().start().plusSeconds(5));
        // Published once analysed: the first analysis reads symbol tables cold, slower on a busy machine.
        assertThat(first.at()).as(seen).isBefore(first.window().end().plusSeconds(60));
    }

    private static String describe(RecordingSinks sinks) {
        StringBuilder text = new StringBuilder();
        for (RecordingSinks.Published p : sinks.slices()) {
            NodeProfile profile = p.result().profile();
            text.append(String.format(
                    "%n%s window %s-%s sampled %s-%s at %d Hz on %s: %d samples, published %s",
                    p.job().name(),
                    p.window().start(),
                    p.window().end(),
                    profile.start(),
                    profile.end(),
                    profile.frequencyHz(),
                    profile.cpus(),
                    profile.totalSamples(),
                    p.at()));
        }
        return text.toString();
    }

    /**
     * The job's slice shows only its own pod, busiest first, with the CPU% its cgroup's cpu.stat
     * shows over the slice: within {@link #POINTS} points or, where larger, the binomial bound at
     * 1e-6 for the slice's possible samples (frequency x seconds x CPUs).
     */
    private static void checkJob(
            RecordingSinks.Published slice,
            String podUid,
            String namespace,
            PodCgroups.Container container,
            CpuUsageRecorder usage,
            List<Integer> cpus,
            String seen) {
        NodeProfile profile = slice.result().profile();
        assertThat(profile.cpus()).containsExactlyElementsOf(cpus);
        assertThat(profile.cpuSource())
                .as("CPU%% from the kernel's running time, split by the job's cgroups and CPUs")
                .isEqualTo(NodeProfile.CPU_FROM_SCHED_SWITCH);
        assertThat(profile.topApplications())
                .as("slice %s of %s in%s", profile.start(), slice.job().name(), seen)
                .isNotEmpty();
        assertThat(profile.topApplications()).allSatisfy(app -> {
            assertThat(app.pod()).isNotNull();
            assertThat(app.pod().uid()).isEqualTo(podUid);
            assertThat(app.pod().namespace()).isEqualTo(namespace);
        });
        ApplicationUsage top = profile.topApplications().getFirst();
        double seconds = Duration.between(profile.start(), profile.end()).toNanos() / 1e9;
        double statPercent =
                usage.cpuSecondsBetween(container, profile.start(), profile.end()) / (seconds * cpus.size()) * 100;
        double possible = profile.frequencyHz() * profile.durationSeconds() * cpus.size();
        double bound = Math.max(POINTS, SamplingTolerance.percentPoints(possible, statPercent, 0));
        assertThat(top.cpuPercent())
                .as(
                        "%s: %s vs cpu.stat %.2f%% (bound %.2f points) in%s",
                        slice.job().name(), top, statPercent, bound, seen)
                .isCloseTo(statPercent, org.assertj.core.data.Offset.offset(bound));
        assertThat(Set.copyOf(slice.report().onCpuStacks().keySet()))
                .allSatisfy(stack -> assertThat(stack).startsWith("pod_" + namespace + "/"));
    }
}
