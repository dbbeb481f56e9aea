package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ebpf.profiling.agent.testsupport.CpuAffinity;
import dev.ebpf.profiling.agent.testsupport.PodCgroups;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.agent.testsupport.SamplingTolerance;
import dev.ebpf.profiling.agent.testsupport.TestTags;
import dev.ebpf.profiling.api.ingest.IngestContract;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.ApplicationStatus;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.Phase;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import dev.ebpf.profiling.api.job.TriggerMetric;
import dev.ebpf.profiling.api.job.TriggerSpec;
import dev.ebpf.profiling.api.job.TriggerStatus;
import dev.ebpf.profiling.operator.ingest.FakeTokenReviewer;
import dev.ebpf.profiling.operator.status.Conditions;
import dev.ebpf.profiling.operator.web.JobLevelResults;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The whole system on one machine: the operator on the mock API server, and a real
 * {@code node-agent run} process acting as node-1's agent, profiling pods whose cgroups the test
 * made on this machine with real busy processes in them. The agent watches the ProfilingJobs and
 * the pods itself and pushes its slices to the operator's ingest endpoint, over plain HTTP to the
 * test port (the test profile allows it; the HTTPS client is tested in node-agent) with a token
 * the fake TokenReviewer accepts (the mock API server cannot review tokens).
 */
@QuarkusTest
@Tag(TestTags.BPF)
@Tag(TestTags.SLOW)
class EndToEndAgentTest extends ThreeNodeClusterTest {

    private static final String NAMESPACE = "e2e";
    private static final String NODE = "node-1";
    /**
     * A floor under the binomial bound (SamplingTolerance): the truth comes from cpu.stat readings
     * nearest the slice's ends, not at them, an error that is not statistical.
     */
    private static final double POINTS = 3.0;
    /** This machine's CPUs, read before the test narrows its own affinity (the JVM then reports fewer). */
    private static final int NODE_CPUS = Runtime.getRuntime().availableProcessors();

    @TestHTTPResource("/")
    URL server;

    /** A fresh folder per run (JUnit's @TempDir does not reach Quarkus test instances). */
    private Path dir;

    /** Real cgroups for an API pod (its uid), with its container named in the pod's status. */
    private PodCgroups cgroupsFor(Pod pod, PodCgroups.Builder builder) {
        PodCgroups cgroups = builder.podUid(pod.getMetadata().getUid()).build();
        pod.setStatus(new PodStatusBuilder(pod.getStatus())
                .addNewContainerStatus()
                .withName("main")
                .withContainerID("containerd://" + cgroups.container(0).id())
                .endContainerStatus()
                .build());
        client.pods().inNamespace(NAMESPACE).resource(pod).updateStatus();
        return cgroups;
    }

    @Test
    @SuppressWarnings("try") // jvmsOnCpu0 is held only to be closed: it unpins the JVMs at the end
    void theJobStatusNamesTheBusiestPodFirstWithItsCgroupCpuTime() throws Exception {
        requireAgent();
        Pod busyPod = cluster.pod(NAMESPACE, "busy", Map.of("app", "demo"), NODE);
        Pod calmPod = cluster.pod(NAMESPACE, "calm", Map.of("app", "demo"), NODE);
        try (PodCgroups busy = cgroupsFor(busyPod, PodCgroups.builder().container());
                PodCgroups calm = cgroupsFor(calmPod, PodCgroups.builder().container(0.3))) {
            // Each loop pinned to its own CPU, so task migration adds no sampling noise to the check.
            busy.container(0).start("taskset", "-c", "1", "sh", "-c", "while :; do :; done");
            calm.container(0).start("taskset", "-c", "0", "sh", "-c", "while :; do :; done");
            CpuUsageRecorder busyUsage = CpuUsageRecorder.start(busy.container(0));
            CpuUsageRecorder calmUsage = CpuUsageRecorder.start(calm.container(0));
            // The JVMs (this one, and the agent it starts) stay off the busy pod's CPU: see
            // CpuAffinity and the README on sampling bias.
            try (CpuAffinity jvmsOnCpu0 = CpuAffinity.pinThisJvm("0")) {
                runJobAndCheck(busyUsage, calmUsage);
            } finally {
                busyUsage.stop();
                calmUsage.stop();
            }
        }
    }

    /** Applies a one-slice job, runs the agent for it, and checks the merged status. */
    private void runJobAndCheck(CpuUsageRecorder busyUsage, CpuUsageRecorder calmUsage) throws Exception {
        ProfilingJobSpec spec = Cluster.spec(Mode.FILTER, Map.of("app", "demo"));
        spec.duration = "5s";
        spec.runs = 1;
        cluster.job(NAMESPACE, "e2e-job", spec);

        Process agent = startAgent();
        ProfilingJob job;
        try {
            // One agent for the node, whatever the jobs: it finds this one, profiles its one
            // slice (which starts at once, runs: 1) and pushes it.
            job = Awaitility.await()
                    .atMost(Duration.ofSeconds(90))
                    .until(
                            () -> cluster.get(NAMESPACE, "e2e-job"),
                            j -> (j.getStatus() != null
                                            && !j.getStatus().topApplications.isEmpty())
                                    || !agent.isAlive());
            assertThat(agent.isAlive())
                    .as("agent still serving; its output: %s", output())
                    .isTrue();
        } finally {
            agent.destroy();
            agent.waitFor(10, TimeUnit.SECONDS);
            agent.destroyForcibly();
        }
        Instant start = Instant.parse(job.getStatus().lastSlice.start);
        Instant end = Instant.parse(job.getStatus().lastSlice.end);
        double busyTruth = busyUsage.percentOfNode(start, end, NODE_CPUS);
        double calmTruth = calmUsage.percentOfNode(start, end, NODE_CPUS);
        // The unthrottled loop is the busiest on a quiet node; on a crowded one the cgroups decide.
        String busiest = busyTruth >= calmTruth ? "busy" : "calm";
        double truth = Math.max(busyTruth, calmTruth);
        ApplicationStatus top = job.getStatus().topApplications.getFirst();
        assertThat(top.namespace).isEqualTo(NAMESPACE);
        assertThat(top.pod)
                .as("busy %.1f%%, calm %.1f%% by cpu.stat", busyTruth, calmTruth)
                .isEqualTo(busiest);
        double ticks = ProfilingJobSpec.DEFAULT_FREQUENCY_HZ
                * (Duration.between(start, end).toNanos() / 1e9)
                * NODE_CPUS;
        double bound = Math.max(POINTS, SamplingTolerance.percentPoints(ticks, truth, 0));
        assertThat(top.cpuPercent)
                .as("%s pod's CPU%% vs its cpu.stat (%.1f, bound %.2f points)", busiest, truth, bound)
                .isCloseTo(truth, within(bound));
        assertThat(job.getStatus().topApplications).extracting(a -> a.pod).containsOnly("busy", "calm");
    }

    /**
     * Trigger mode through both sides of the contract: the real agent arms on the pod's CPU%,
     * fires when a busy loop starts, and publishes its trigger state and the window with its
     * pre-trigger history; the operator turns that into the Event, the condition, status.triggers,
     * the armed node's value and the window as the last slice, and serves the history's flame graph.
     */
    @Test
    void aTriggerFiringOnARealAgentIsRecordedAndItsWindowMerged() throws Exception {
        requireAgent();
        String name = "spike-catcher";
        Pod spikyPod = cluster.pod(NAMESPACE, "spiky", Map.of("app", "spiky"), NODE);
        try (PodCgroups spiky = cgroupsFor(spikyPod, PodCgroups.builder().container())) {
            ProfilingJobSpec spec = Cluster.spec(Mode.TRIGGER, Map.of("app", "spiky"));
            spec.trigger = new TriggerSpec();
            spec.trigger.metric = TriggerMetric.POD_CPU;
            // A quarter of one CPU as a share of the node: a busy loop reads four times this.
            spec.trigger.threshold = Math.round(2500.0 / NODE_CPUS) / 100.0;
            spec.trigger.forDuration = "2s";
            spec.duration = "3s";
            spec.runs = 1;
            cluster.job(NAMESPACE, name, spec);
            Process agent = startAgent();
            try {
                ProfilingJob armed = Awaitility.await()
                        .atMost(Duration.ofSeconds(30))
                        .until(
                                () -> cluster.get(NAMESPACE, name),
                                j -> j.getStatus() != null
                                        && j.getStatus().armedNodes != null
                                        && j.getStatus().armedNodes.getFirst().value != null);
                assertThat(armed.getStatus().armedNodes).singleElement().satisfies(node -> {
                    assertThat(node.node).isEqualTo(NODE);
                    assertThat(node.phase).isEqualTo("Armed");
                    assertThat(node.metric).isEqualTo("pod-cpu");
                    assertThat(node.value).isLessThan(spec.trigger.threshold);
                });
                assertThat(Conditions.find(armed.getStatus().conditions, ProfilingJobStatus.TRIGGERED)
                                .orElseThrow()
                                .getReason())
                        .isEqualTo(TriggerReport.REASON_ARMED);

                spiky.container(0).startBusyLoop();
                Awaitility.await()
                        .atMost(Duration.ofSeconds(60))
                        .until(() -> cluster.get(NAMESPACE, name), j -> j.getStatus().phase == Phase.SUCCEEDED);
            } finally {
                agent.destroy();
                agent.waitFor(10, TimeUnit.SECONDS);
                agent.destroyForcibly();
            }

            ProfilingJob done = cluster.await(NAMESPACE, name, j -> j.getStatus().phase == Phase.SUCCEEDED);
            ProfilingJobStatus status = done.getStatus();
            TriggerStatus firing = status.triggers.getFirst();
            assertThat(status.triggers).hasSize(1);
            assertThat(firing.node).isEqualTo(NODE);
            assertThat(firing.value).isGreaterThan(spec.trigger.threshold);
            assertThat(firing.message).startsWith("Triggered: " + NODE + " pod-cpu ");
            assertThat(status.lastSlice.id).isEqualTo(AgentContract.sliceLabel(Instant.parse(firing.time)));
            assertThat(status.topApplications.getFirst().pod).isEqualTo("spiky");
            assertThat(status.completedSlices).isEqualTo(1);
            assertThat(Conditions.find(status.conditions, ProfilingJobStatus.TRIGGERED)
                            .orElseThrow()
                            .getMessage())
                    .isEqualTo(firing.message);
            assertThat(Conditions.isTrue(status.conditions, ProfilingJobStatus.DEGRADED))
                    .isFalse();
            Agents.awaitEvents(
                    client,
                    NAMESPACE,
                    name,
                    events -> assertThat(events).containsOnlyOnce("Normal Triggered: " + firing.message));

            HttpResponse<String> history = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(server.toURI()
                                            .resolve("/ui/jobs/" + NAMESPACE + "/" + name + "/slices/"
                                                    + status.lastSlice.id + "/nodes/" + JobLevelResults.ALL_NODES
                                                    + "/pre-trigger"))
                                    .header(
                                            "Authorization",
                                            "Bearer "
                                                    + dev.ebpf.profiling.operator.ingest.FakeTokenReviewer.user(
                                                            "admin"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(history.statusCode()).as(history.body()).isEqualTo(200);
            assertThat(history.body()).contains("before the trigger");
        }
    }

    /** Root, kernel BTF and the agent's jar, or the test is skipped (or fails, for the jar); a fresh folder. */
    private void requireAgent() throws IOException {
        RequiresRoot.assumeBpf();
        assertThat(AgentProcess.AGENT_JAR)
                .as("the agent's jar (built by the node-agent module)")
                .exists();
        dir = Files.createTempDirectory("e2e-agent");
    }

    /** Starts node-1's agent with a token the fake TokenReviewer takes as that node's agent. */
    private Process startAgent() throws IOException, URISyntaxException {
        Path credentials = Files.createDirectories(dir.resolve("credentials"));
        Files.writeString(credentials.resolve(IngestContract.TOKEN_FILE), FakeTokenReviewer.agentOn(NODE));
        return AgentProcess.start(client, NODE, server.toURI(), credentials, dir.resolve("agent.log"));
    }

    private String output() throws IOException {
        return Files.readString(dir.resolve("agent.log"));
    }

    /** Samples a container cgroup's cpu.stat every 100 ms, to read its CPU time over any window later. */
    private static final class CpuUsageRecorder {
        private record Reading(Instant at, long usageMicros) {}

        private final List<Reading> readings = new ArrayList<>();
        private final Thread thread;
        private volatile boolean running = true;

        private CpuUsageRecorder(PodCgroups.Container container) {
            thread = Thread.ofPlatform().daemon().start(() -> {
                while (running) {
                    Reading reading;
                    try {
                        reading = new Reading(Instant.now(), container.cpuUsageMicros());
                    } catch (RuntimeException gone) {
                        return; // the cgroup was removed: the test is over
                    }
                    synchronized (readings) {
                        readings.add(reading);
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        static CpuUsageRecorder start(PodCgroups.Container container) {
            return new CpuUsageRecorder(container);
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join();
        }

        /** CPU time in [start, end] over (wall time x CPUs), from the readings nearest the ends. */
        double percentOfNode(Instant start, Instant end, int cpus) {
            synchronized (readings) {
                Reading first = nearest(start);
                Reading last = nearest(end);
                double wallMicros = Duration.between(first.at(), last.at()).toNanos() / 1000.0;
                return (last.usageMicros() - first.usageMicros()) / (wallMicros * cpus) * 100;
            }
        }

        private Reading nearest(Instant at) {
            return readings.stream()
                    .min((a, b) -> Long.compare(
                            Math.abs(Duration.between(a.at(), at).toNanos()),
                            Math.abs(Duration.between(b.at(), at).toNanos())))
                    .orElseThrow();
        }
    }
}
