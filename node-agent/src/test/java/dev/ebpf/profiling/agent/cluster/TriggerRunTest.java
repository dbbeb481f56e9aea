package dev.ebpf.profiling.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.ebpf.profiling.agent.cgroup.CgroupMount;
import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import dev.ebpf.profiling.agent.metrics.AgentMetrics;
import dev.ebpf.profiling.agent.testsupport.PodCgroups;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.AgentJobConfig;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.NodeTriggerState;
import dev.ebpf.profiling.api.job.Profiler;
import dev.ebpf.profiling.api.job.TriggerMetric;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.ProfileJson;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trigger mode of the agent's cluster run, for real: real pods' cgroups, real busy loops, real
 * eBPF, the agent reading the pods' cpu.stat once a second, against a mock API server.
 */
@EnableKubernetesMockClient(crud = true)
class TriggerRunTest {

    private static final String NODE = "node-under-test";
    private static final String NAMESPACE = "shop";
    /**
     * A quarter of one CPU, as a share of the node: one busy loop reads four times this, and
     * still crosses it when other work on a shared machine takes part of its CPU.
     */
    private static final double QUARTER_OF_A_CPU =
            25.0 / OnlineCpus.read().cpus().size();

    KubernetesClient client;

    @TempDir
    Path dir;

    ApiPods apiPods;

    @BeforeEach
    void bpfAvailable() {
        apiPods = new ApiPods(client);
        RequiresRoot.assumeBpf();
    }

    @Test
    void aBusyLoopStartedAfterArmingFiresWithinForPlusTwoSecondsAndIsInTheHistoryAndTheWindow() throws Exception {
        Pod checkout = apiPods.create(NAMESPACE, "checkout-1", NODE);
        try (PodCgroups pod = apiPods.cgroupsFor(checkout)) {
            long forSeconds = 2;
            AgentMetrics metrics = new AgentMetrics(NODE);
            Running agent = start(
                    config(
                            "checkout-spike",
                            3,
                            1,
                            List.of(ApiPods.selected(checkout, NODE)),
                            new AgentJobConfig.TriggerConfig(
                                    TriggerMetric.POD_CPU, null, QUARTER_OF_A_CPU, forSeconds, 60)),
                    metrics);

            NodeTriggerState armed = awaitState("checkout-spike", s -> s.value() != null, Duration.ofSeconds(15));
            assertThat(armed.phase()).isEqualTo("Armed");
            assertThat(armed.metric()).isEqualTo("pod-cpu");
            assertThat(armed.value()).isLessThan(QUARTER_OF_A_CPU);

            Instant busySince = Instant.now();
            pod.container(0).startBusyLoop();
            NodeTriggerState fired =
                    awaitState("checkout-spike", s -> !s.recent().isEmpty(), Duration.ofSeconds(15));
            NodeTriggerState.TriggerFiring firing = fired.recent().getFirst();
            assertThat(Duration.between(busySince, firing.at()))
                    .as("fired at %s, busy since %s", firing.at(), busySince)
                    .isLessThanOrEqualTo(Duration.ofSeconds(forSeconds + 2));
            assertThat(firing.value()).isGreaterThan(QUARTER_OF_A_CPU);
            assertThat(firing.message()).matches("Triggered: " + NODE + " pod-cpu \\d+% > \\d+% for [2-4]s");
            assertThat(firing.result()).isEqualTo(AgentContract.resultName("checkout-spike", NODE, firing.at()));

            agent.awaitEnd(Duration.ofSeconds(30));
            ConfigMap result = client.configMaps()
                    .inNamespace(NAMESPACE)
                    .withName(firing.result())
                    .get();
            assertThat(result).as("the window's result %s", firing.result()).isNotNull();
            NodeProfile window = ProfileJson.mapper()
                    .readValue(result.getData().get(AgentContract.RESULT_PROFILE_KEY), NodeProfile.class);
            assertThat(window.topApplications()).isNotEmpty();
            assertThat(window.topApplications().getFirst().name()).isEqualTo("pod shop/checkout-1 (main)");
            List<NodeProfile> history = ProfileJson.mapper()
                    .readValue(result.getData().get(AgentContract.RESULT_HISTORY_KEY), new TypeReference<>() {});
            assertThat(history)
                    .as("the pre-trigger history")
                    .isNotEmpty()
                    .allSatisfy(slice -> assertThat(slice.end()).isBeforeOrEqualTo(window.start()))
                    .anySatisfy(slice -> assertThat(slice.topApplications())
                            .anySatisfy(app -> assertThat(app.name()).isEqualTo("pod shop/checkout-1 (main)")));
            assertThat(history.getFirst().frequencyHz()).isEqualTo(TriggerRun.HISTORY_FREQUENCY_HZ);
            assertThat(result.getBinaryData()).containsKey(AgentContract.RESULT_HISTORY_STACKS_KEY);

            NodeTriggerState after = readState("checkout-spike").orElseThrow();
            assertThat(after.firings()).isEqualTo(1);
            ByteArrayOutputStream scrape = new ByteArrayOutputStream();
            metrics.writeText(scrape);
            assertThat(scrape.toString(StandardCharsets.UTF_8))
                    .containsPattern("ebpf_profiler_triggers_fired_total\\{[^}]*metric=\"pod-cpu\"[^}]*} 1.0");
        }
    }

    @Test
    void theCooldownHoldsOffTheNextFiring() throws Exception {
        Pod batch = apiPods.create(NAMESPACE, "batch-1", NODE);
        try (PodCgroups pod = apiPods.cgroupsFor(batch)) {
            pod.container(0).startBusyLoop();
            long cooldownSeconds = 4;
            Running agent = start(
                    config(
                            "batch-spike",
                            2,
                            2,
                            List.of(ApiPods.selected(batch, NODE)),
                            new AgentJobConfig.TriggerConfig(
                                    TriggerMetric.POD_CPU, null, QUARTER_OF_A_CPU, 0, cooldownSeconds)),
                    new AgentMetrics(NODE));

            agent.awaitEnd(Duration.ofSeconds(40));
            List<NodeTriggerState.TriggerFiring> firings =
                    readState("batch-spike").orElseThrow().recent();
            assertThat(firings).hasSize(2);
            Instant firstWindowEnds = firings.get(0).windowEnds();
            Instant secondFiring = firings.get(1).at();
            // The metric stayed above all along: only the cooldown held the second firing off.
            assertThat(Duration.between(firstWindowEnds, secondFiring))
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(cooldownSeconds))
                    .isLessThanOrEqualTo(
                            Duration.ofSeconds(cooldownSeconds + 3)); // re-armed at a poll, fired at the next
            assertThat(client.configMaps()
                            .inNamespace(NAMESPACE)
                            .withLabel(AgentContract.LABEL_COMPONENT, AgentContract.COMPONENT_RESULT)
                            .list()
                            .getItems())
                    .extracting(c -> c.getMetadata().getName())
                    .containsExactlyInAnyOrder(
                            firings.get(0).result(), firings.get(1).result());
        }
    }

    @Test
    void aThresholdThatIsNeverCrossedNeverFiresAndShowsTheCurrentValue() throws Exception {
        Pod quiet = apiPods.create(NAMESPACE, "quiet-1", NODE);
        Pod noisy = apiPods.create(NAMESPACE, "noisy-neighbour", NODE);
        try (PodCgroups selected = apiPods.cgroupsFor(quiet);
                PodCgroups other = apiPods.cgroupsFor(noisy)) {
            selected.container(0).start("sleep", "600");
            other.container(0).startBusyLoop(); // busy, but not a selected pod: it must not count
            Running agent = start(
                    config(
                            "quiet-spike",
                            2,
                            null,
                            List.of(ApiPods.selected(quiet, NODE)),
                            new AgentJobConfig.TriggerConfig(TriggerMetric.POD_CPU, null, 10, 1, 0)),
                    new AgentMetrics(NODE));

            NodeTriggerState state = awaitState("quiet-spike", s -> s.value() != null, Duration.ofSeconds(15));
            Thread.sleep(Duration.ofSeconds(6));
            agent.stop(Duration.ofSeconds(15));

            state = readState("quiet-spike").orElseThrow();
            assertThat(state.phase()).isEqualTo("Armed");
            assertThat(state.value()).isNotNull().isLessThan(10.0);
            assertThat(state.readAt()).isAfter(Instant.now().minusSeconds(NodeTriggerState.REFRESH_SECONDS + 5));
            assertThat(state.firings()).isZero();
            assertThat(state.recent()).isEmpty();
            assertThat(client.configMaps()
                            .inNamespace(NAMESPACE)
                            .withLabel(AgentContract.LABEL_COMPONENT, AgentContract.COMPONENT_RESULT)
                            .list()
                            .getItems())
                    .isEmpty();
            assertThat(agent.log()).contains("trigger armed on " + NODE + ": pod-cpu > 10% for 1s");
        }
    }

    private static AgentJobConfig config(
            String job,
            long durationSeconds,
            Integer runs,
            List<AgentJobConfig.SelectedPod> pods,
            AgentJobConfig.TriggerConfig trigger) {
        return new AgentJobConfig(
                AgentJobConfig.SCHEMA_VERSION,
                new AgentJobConfig.JobRef(NAMESPACE, job, job + "-uid"),
                Mode.TRIGGER,
                List.of(Profiler.ON_CPU),
                99,
                null,
                durationSeconds,
                null,
                runs,
                10,
                5,
                false,
                pods,
                trigger,
                null);
    }

    /** The agent's run on a thread of its own, as {@code node-agent run} would do it. */
    private Running start(AgentJobConfig config, AgentMetrics metrics) throws IOException {
        Path configFile = dir.resolve(config.job().name() + ".json");
        Files.writeString(configFile, ProfileJson.mapper().writeValueAsString(config));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = Thread.ofPlatform().name("agent-" + config.job().name()).start(() -> {
            try {
                new ClusterRun(
                                client,
                                NODE,
                                configFile,
                                CgroupMount.findUnified(),
                                new PrintStream(log, true, StandardCharsets.UTF_8),
                                metrics)
                        .run();
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        return new Running(thread, failure, log);
    }

    private record Running(Thread thread, AtomicReference<Throwable> failure, ByteArrayOutputStream output) {

        void awaitEnd(Duration timeout) throws InterruptedException {
            thread.join(timeout);
            assertThat(thread.isAlive())
                    .as("the agent still runs after %s; log:%n%s", timeout, log())
                    .isFalse();
            assertThat(failure.get()).as("the agent failed; log:%n%s", log()).isNull();
        }

        void stop(Duration timeout) throws InterruptedException {
            thread.interrupt();
            awaitEnd(timeout);
        }

        String log() {
            return output.toString(StandardCharsets.UTF_8);
        }
    }

    private Optional<NodeTriggerState> readState(String job) throws IOException {
        ConfigMap map = client.configMaps()
                .inNamespace(NAMESPACE)
                .withName(AgentContract.triggerStateName(job, NODE))
                .get();
        if (map == null) {
            return Optional.empty();
        }
        assertThat(map.getMetadata().getLabels())
                .containsEntry(AgentContract.LABEL_COMPONENT, AgentContract.COMPONENT_TRIGGER_STATE)
                .containsEntry(AgentContract.LABEL_NODE, NODE);
        assertThat(map.getMetadata().getOwnerReferences())
                .singleElement()
                .satisfies(owner -> assertThat(owner.getUid()).isEqualTo(job + "-uid"));
        return Optional.of(ProfileJson.mapper()
                .readValue(map.getData().get(AgentContract.TRIGGER_STATE_KEY), NodeTriggerState.class));
    }

    private NodeTriggerState awaitState(String job, Predicate<NodeTriggerState> wanted, Duration timeout)
            throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        Optional<NodeTriggerState> state = Optional.empty();
        while (Instant.now().isBefore(deadline)) {
            state = readState(job);
            if (state.filter(wanted).isPresent()) {
                return state.get();
            }
            Thread.sleep(100);
        }
        throw new AssertionError("trigger state of " + job + " not as wanted within " + timeout + ": " + state);
    }
}
