package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.testsupport.TestTags;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.Phase;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import dev.ebpf.profiling.api.job.TriggerMetric;
import dev.ebpf.profiling.api.job.TriggerSpec;
import dev.ebpf.profiling.operator.agents.AgentHealth;
import dev.ebpf.profiling.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The running operator on the mock API server: jobs get their nodes labelled for the one agent
 * DaemonSet (a fake DaemonSet controller runs a pod on each labelled node), and nothing of the
 * agents in their namespace. Other test classes' jobs share the three nodes, so label removal is
 * tested where each test has its own API server ({@link AgentsTest}).
 */
@QuarkusTest
@Tag(TestTags.SLOW)
class ReconcileFlowTest extends ThreeNodeClusterTest {

    @TestHTTPResource("/q/health/ready")
    URI readiness;

    @Test
    void isReadyOnTheEndpointTheChartProbes() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(readiness).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"status\": \"UP\"");
    }

    @Test
    void labelsTheNodesOfTheSelectedPodsForTheOneAgentDaemonSet() {
        String ns = "general-schedule";
        cluster.pod(ns, "web-1", Map.of("app", "web"), "node-1");
        cluster.pod(ns, "web-2", Map.of("app", "web"), "node-1");
        cluster.pod(ns, "web-3", Map.of("app", "web"), "node-2");
        cluster.pod(ns, "db-1", Map.of("app", "db"), "node-3");

        cluster.job(ns, "web-jitter", Cluster.spec(Mode.GENERAL, Map.of("app", "web")));

        ProfilingJob ready = cluster.awaitCondition(ns, "web-jitter", ProfilingJobStatus.SCHEDULED, "True");
        assertThat(ready.getStatus().targetNodes).containsExactly("node-1", "node-2");
        assertThat(ready.getStatus().phase).isEqualTo(Phase.SCHEDULED);
        assertThat(ready.getStatus().nodes).isEqualTo("0/2");
        assertThat(ready.getStatus().observedGeneration)
                .isEqualTo(ready.getMetadata().getGeneration());
        assertThat(Agents.labelledNodes(client)).contains("node-1", "node-2");
        assertThat(Agents.daemonSets(client))
                .singleElement()
                .satisfies(ds -> assertThat(ds.getMetadata().getNamespace()).isEqualTo(TestConfig.OPERATOR_NAMESPACE));

        // The fake DaemonSet controller runs the agents: AgentsReady follows.
        ProfilingJob running = cluster.awaitCondition(ns, "web-jitter", ProfilingJobStatus.AGENTS_READY, "True");
        assertThat(Conditions.find(running.getStatus().conditions, ProfilingJobStatus.AGENTS_READY)
                        .orElseThrow()
                        .getReason())
                .isEqualTo(AgentHealth.ALL_RUNNING);
        AgentsTest.assertNothingOfTheAgentsIn(client, ns);
        Agents.awaitEvents(
                client,
                ns,
                "web-jitter",
                events -> assertThat(events).contains("Normal Scheduled: Scheduled node agents on 2 nodes"));
    }

    @Test
    void filterModeTargetsTheNodesOfTheSelectedPods() {
        String ns = "filter-flow";
        cluster.pod(ns, "api-1", Map.of("app", "api"), "node-3");
        ProfilingJobSpec spec = Cluster.spec(Mode.FILTER, Map.of("app", "api"));
        spec.cpus = "1";
        spec.duration = "10s";
        cluster.job(ns, "api-cpu1", spec);

        ProfilingJob job = cluster.awaitCondition(ns, "api-cpu1", ProfilingJobStatus.SCHEDULED, "True");
        assertThat(job.getStatus().targetNodes).containsExactly("node-3");
        assertThat(Agents.labelledNodes(client)).contains("node-3");
    }

    @Test
    void triggerModeJobIsScheduledLikeAnyOther() {
        String ns = "trigger-flow";
        cluster.pod(ns, "batch-1", Map.of("app", "batch"), "node-2");
        ProfilingJobSpec spec = Cluster.spec(Mode.TRIGGER, Map.of("app", "batch"));
        spec.trigger = new TriggerSpec();
        spec.trigger.metric = TriggerMetric.NODE_SYS;
        spec.trigger.threshold = 80.0;
        spec.trigger.cooldown = "10m";
        spec.duration = "20s";
        cluster.job(ns, "sys-spike", spec);

        ProfilingJob job = cluster.awaitCondition(ns, "sys-spike", ProfilingJobStatus.SCHEDULED, "True");
        assertThat(job.getStatus().targetNodes).containsExactly("node-2");
        AgentsTest.assertNothingOfTheAgentsIn(client, ns);
    }

    @Test
    void nodeWideJobInAnAllowedNamespaceRunsOnEveryNode() {
        String ns = "ops";
        cluster.job(ns, "whole-cluster", Cluster.spec(Mode.GENERAL, null));

        ProfilingJob job = cluster.awaitCondition(ns, "whole-cluster", ProfilingJobStatus.SCHEDULED, "True");
        assertThat(job.getStatus().targetNodes).contains("node-1", "node-2", "node-3");
        assertThat(Agents.labelledNodes(client)).contains("node-1", "node-2", "node-3");
        // This job needs every node for the rest of the run; the other tests need none of them free.
        client.resource(job).delete();
    }

    @Test
    void oneShotJobSucceedsAndKeepsTheReport() {
        String ns = "one-shot";
        Pod a = cluster.pod(ns, "a", Map.of("app", "a"), "node-1");
        Pod b = cluster.pod(ns, "b", Map.of("app", "a"), "node-2");
        ProfilingJobSpec spec = Cluster.spec(Mode.GENERAL, Map.of("app", "a"));
        spec.runs = 1;
        ProfilingJob job = cluster.job(ns, "diagnose", spec);
        cluster.awaitCondition(ns, "diagnose", ProfilingJobStatus.SCHEDULED, "True");

        // A slice that just ended: within its grace the operator waits for both nodes (an old one
        // would be merged, and the one-shot job finished, on the first result).
        Instant slice = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(30);
        cluster.result(job, Cluster.profile("node-1", slice, List.of(Cluster.podApp(a, 2000))));
        cluster.result(job, Cluster.profile("node-2", slice, List.of(Cluster.podApp(b, 500))));

        ProfilingJob done = cluster.awaitCondition(ns, "diagnose", ProfilingJobStatus.SUCCEEDED, "True");
        assertThat(done.getStatus().phase).isEqualTo(Phase.SUCCEEDED);
        assertThat(done.getStatus().completedSlices).isEqualTo(1);
        assertThat(done.getStatus().topApplications).extracting(app -> app.pod).containsExactly("a", "b");
        assertThat(Conditions.find(done.getStatus().conditions, ProfilingJobStatus.SCHEDULED)
                        .orElseThrow()
                        .getReason())
                .isEqualTo("Finished");
        assertThat(done.getStatus().results)
                .as("one result ConfigMap for the job's slice, all nodes merged")
                .containsExactly(AgentContract.jobResultName("diagnose", slice))
                .allSatisfy(name -> assertThat(client.configMaps()
                                .inNamespace(ns)
                                .withName(name)
                                .get())
                        .isNotNull());
        Agents.awaitEvents(
                client,
                ns,
                "diagnose",
                events -> assertThat(events).contains("Normal Completed: Collected 1 slice(s); node agents removed"));
    }

    @Test
    void theTargetNodesFollowPodsThatMoveToAnotherNode() {
        String ns = "moving";
        Pod web = cluster.pod(ns, "web-a", Map.of("app", "web"), "node-1");
        cluster.job(ns, "follow", Cluster.spec(Mode.GENERAL, Map.of("app", "web")));
        cluster.awaitCondition(ns, "follow", ProfilingJobStatus.SCHEDULED, "True");

        cluster.move(web, "web-b", "node-3");

        cluster.await(ns, "follow", job -> job.getStatus().targetNodes.equals(List.of("node-3")));
        Awaitility.await()
                .atMost(Cluster.WAIT)
                .untilAsserted(() -> assertThat(Agents.labelledNodes(client)).contains("node-3"));
    }

    /**
     * An agent that crash-loops on a target node (the fake controller's pod, its status set as the
     * kubelet would): the job says so with the agent's last words, one Warning, and recovers when
     * the agent runs again. The agent pod informer (operator's namespace, label-selected) is what
     * brings the change to the job.
     */
    @Test
    void aCrashLoopingAgentShowsOnTheJobThatTargetsItsNode() {
        String ns = "crash-flow";
        cluster.pod(ns, "web", Map.of("app", "web"), "node-2");
        cluster.job(ns, "crashy", Cluster.spec(Mode.GENERAL, Map.of("app", "web")));
        cluster.awaitCondition(ns, "crashy", ProfilingJobStatus.AGENTS_READY, "True");

        // The fake DaemonSet controller may replace node-2's pod (it removes a duplicate it made
        // in a race), so the crash is put on whatever agent pod node-2 has until the job shows it.
        ProfilingJob failing = Awaitility.await()
                .atMost(Cluster.WAIT.multipliedBy(2))
                .pollInterval(Duration.ofMillis(500))
                .until(
                        () -> {
                            crashAgentsOn("node-2");
                            return cluster.get(ns, "crashy");
                        },
                        j -> j.getStatus() != null
                                && Conditions.find(j.getStatus().conditions, ProfilingJobStatus.AGENTS_READY)
                                        .filter(c -> "False".equals(c.getStatus()))
                                        .isPresent());
        Pod agent = Agents.of(client, TestConfig.OPERATOR_NAMESPACE).stream()
                .filter(p -> "node-2".equals(p.getSpec().getNodeName()))
                .findFirst()
                .orElseThrow();
        var condition = Conditions.find(failing.getStatus().conditions, ProfilingJobStatus.AGENTS_READY)
                .orElseThrow();
        assertThat(condition.getReason()).isEqualTo(AgentHealth.CRASH_LOOPING);
        assertThat(condition.getMessage()).isEqualTo(AgentsTest.crashMessage("node-2"));
        Agents.awaitEvents(
                client,
                ns,
                "crashy",
                events ->
                        assertThat(events).contains("Warning AgentCrashLooping: " + AgentsTest.crashMessage("node-2")));

        agent = client.resource(agent).get();
        agent.getStatus()
                .setContainerStatuses(List.of(new ContainerStatusBuilder()
                        .withName("node-agent")
                        .withRestartCount(5)
                        .withNewState()
                        .withNewRunning()
                        .endRunning()
                        .endState()
                        .build()));
        client.resource(agent).updateStatus();
        cluster.awaitCondition(ns, "crashy", ProfilingJobStatus.AGENTS_READY, "True");
        assertThat(Agents.events(client, ns, "crashy"))
                .filteredOn(e -> e.startsWith("Warning AgentCrashLooping"))
                .hasSize(1);
    }

    @Test
    void deletingAJobLeavesNothingOfItsOwnBehind() {
        String ns = "deletion";
        Pod p = cluster.pod(ns, "p", Map.of("app", "p"), "node-1");
        ProfilingJob job = cluster.job(ns, "short-lived", Cluster.spec(Mode.GENERAL, Map.of("app", "p")));
        cluster.awaitCondition(ns, "short-lived", ProfilingJobStatus.SCHEDULED, "True");
        cluster.result(
                job, Cluster.profile("node-1", Instant.parse("2026-01-01T00:00:00Z"), List.of(Cluster.podApp(p, 10))));
        cluster.await(ns, "short-lived", j -> j.getStatus().lastSlice != null);

        client.resource(cluster.get(ns, "short-lived")).delete();
        // The operator's finalizer goes when it has released the job's nodes; the job is then gone.
        Awaitility.await().atMost(Cluster.WAIT).until(() -> cluster.get(ns, "short-lived") == null);
        // The mock server has no garbage collector; this one follows controller owner references as
        // the API server's does, so whatever lacks the reference to the job would survive. It runs
        // at every poll, as the API server's runs all the time: on a busy machine a result write
        // still in flight when the job went lands after a single pass, and is owned all the same.
        Awaitility.await().atMost(Cluster.WAIT).untilAsserted(() -> {
            OwnerGarbageCollector.collect(client, ns);
            assertThat(client.configMaps()
                            .inNamespace(ns)
                            .withLabel(AgentContract.LABEL_JOB, "short-lived")
                            .list()
                            .getItems())
                    .isEmpty();
        });
        assertThat(client.pods().inNamespace(ns).withName("p").get())
                .as("the workload is not ours")
                .isNotNull();
    }

    /** Gives every agent pod on the node a crash-looping container that is not crash-looping yet. */
    private void crashAgentsOn(String node) {
        for (Pod pod : Agents.of(client, TestConfig.OPERATOR_NAMESPACE)) {
            boolean crashing = pod.getStatus() != null
                    && pod.getStatus().getContainerStatuses().stream()
                            .anyMatch(c -> c.getState() != null && c.getState().getWaiting() != null);
            if (node.equals(pod.getSpec().getNodeName()) && !crashing) {
                pod.getStatus().setPhase("Running");
                pod.getStatus().setContainerStatuses(List.of(AgentsTest.crashLooping()));
                try {
                    client.resource(pod).updateStatus();
                } catch (io.fabric8.kubernetes.client.KubernetesClientException gone) {
                    // replaced meanwhile: the next poll takes the new one
                }
            }
        }
    }
}
