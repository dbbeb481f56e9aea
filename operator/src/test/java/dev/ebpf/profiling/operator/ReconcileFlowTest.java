package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.AgentJobConfig;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.Phase;
import dev.ebpf.profiling.api.job.Profiler;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import dev.ebpf.profiling.api.job.TriggerMetric;
import dev.ebpf.profiling.api.job.TriggerSpec;
import dev.ebpf.profiling.api.profile.ProfileJson;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

@QuarkusTest
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
    void schedulesOneLockedDownAgentOnEachNodeOfTheSelectedPods() throws Exception {
        String ns = "general-schedule";
        Pod web1 = cluster.pod(ns, "web-1", Map.of("app", "web"), "node-1");
        cluster.pod(ns, "web-2", Map.of("app", "web"), "node-1");
        Pod web3 = cluster.pod(ns, "web-3", Map.of("app", "web"), "node-2");
        cluster.pod(ns, "db-1", Map.of("app", "db"), "node-3");

        ProfilingJob job = cluster.job(ns, "web-jitter", Cluster.spec(Mode.GENERAL, Map.of("app", "web")));

        ProfilingJob ready = cluster.awaitCondition(ns, "web-jitter", ProfilingJobStatus.SCHEDULED, "True");
        assertThat(ready.getStatus().targetNodes).containsExactly("node-1", "node-2");
        assertThat(ready.getStatus().phase).isEqualTo(Phase.SCHEDULED);
        assertThat(ready.getStatus().nodes).isEqualTo("0/2");
        assertThat(ready.getStatus().observedGeneration)
                .isEqualTo(ready.getMetadata().getGeneration());

        List<Pod> agents = Agents.of(client, ns);
        assertThat(agents).extracting(p -> p.getSpec().getNodeName()).containsExactlyInAnyOrder("node-1", "node-2");
        Pod agent = agents.getFirst();
        assertThat(agent.getSpec().getHostPID()).isTrue();
        assertThat(agent.getSpec().getServiceAccountName()).isEqualTo("ebpf-profiler-agent");
        assertThat(agent.getMetadata().getOwnerReferences())
                .singleElement()
                .satisfies(ref ->
                        assertThat(ref.getUid()).isEqualTo(job.getMetadata().getUid()))
                .satisfies(ref -> assertThat(ref.getController()).isTrue());
        Container container = agent.getSpec().getContainers().getFirst();
        var security = container.getSecurityContext();
        assertThat(security.getPrivileged()).isFalse();
        assertThat(security.getReadOnlyRootFilesystem()).isTrue();
        assertThat(security.getCapabilities().getAdd())
                .containsExactlyInAnyOrder("BPF", "PERFMON", "SYS_RESOURCE", "SYS_PTRACE");
        assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(container.getVolumeMounts())
                .filteredOn(m -> m.getMountPath().startsWith("/sys"))
                .extracting(m -> m.getMountPath())
                .containsExactlyInAnyOrder("/sys/fs/cgroup", "/sys/kernel/btf");
        assertThat(container.getVolumeMounts())
                .filteredOn(m -> !m.getMountPath().equals("/tmp"))
                .allSatisfy(m -> assertThat(m.getReadOnly()).isTrue());
        assertThat(container.getResources().getLimits()).containsKeys("cpu", "memory");
        assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");

        ConfigMap configMap = client.configMaps()
                .inNamespace(ns)
                .withName(AgentContract.jobConfigName("web-jitter"))
                .get();
        AgentJobConfig config = ProfileJson.mapper()
                .readValue(configMap.getData().get(AgentContract.JOB_CONFIG_KEY), AgentJobConfig.class);
        assertThat(config.pods())
                .extracting(AgentJobConfig.SelectedPod::name)
                .containsExactly("web-1", "web-2", "web-3");
        assertThat(config.pods())
                .extracting(AgentJobConfig.SelectedPod::uid)
                .contains(web1.getMetadata().getUid(), web3.getMetadata().getUid());
        assertThat(config.job().uid()).isEqualTo(job.getMetadata().getUid());
        assertThat(config.durationSeconds()).isEqualTo(30);
        assertThat(config.intervalSeconds()).isEqualTo(300);
        assertThat(config.frequencyHz()).isEqualTo(99);
        assertThat(config.nodeWide()).isFalse();

        Agents.awaitEvents(
                client,
                ns,
                "web-jitter",
                events -> assertThat(events).contains("Normal Scheduled: Scheduled node agents on 2 nodes"));
    }

    @Test
    void filterModeSelectsPodsAndCpus() {
        String ns = "filter-flow";
        cluster.pod(ns, "api-1", Map.of("app", "api"), "node-3");
        ProfilingJobSpec spec = Cluster.spec(Mode.FILTER, Map.of("app", "api"));
        spec.cpus = "1";
        spec.duration = "10s";
        cluster.job(ns, "api-cpu1", spec);

        cluster.awaitCondition(ns, "api-cpu1", ProfilingJobStatus.SCHEDULED, "True");
        assertThat(Agents.of(client, ns))
                .extracting(p -> p.getSpec().getNodeName())
                .containsExactly("node-3");
        AgentJobConfig config = cluster.jobConfig(ns, "api-cpu1");
        assertThat(config.mode()).isEqualTo(Mode.FILTER);
        assertThat(config.cpus()).isEqualTo("1");
        assertThat(config.durationSeconds()).isEqualTo(10);
        assertThat(config.intervalSeconds()).isNull();
        assertThat(config.pods()).extracting(AgentJobConfig.SelectedPod::name).containsExactly("api-1");
    }

    @Test
    void triggerModeHandsTheTriggerToTheAgents() {
        String ns = "trigger-flow";
        cluster.pod(ns, "batch-1", Map.of("app", "batch"), "node-2");
        ProfilingJobSpec spec = Cluster.spec(Mode.TRIGGER, Map.of("app", "batch"));
        spec.trigger = new TriggerSpec();
        spec.trigger.metric = TriggerMetric.NODE_SYS;
        spec.trigger.threshold = 80.0;
        spec.trigger.cooldown = "10m";
        spec.duration = "20s";
        cluster.job(ns, "sys-spike", spec);

        cluster.awaitCondition(ns, "sys-spike", ProfilingJobStatus.SCHEDULED, "True");
        AgentJobConfig config = cluster.jobConfig(ns, "sys-spike");
        assertThat(config.durationSeconds())
                .as("the window profiled after a firing")
                .isEqualTo(20);
        assertThat(config.intervalSeconds()).isNull();
        AgentJobConfig.TriggerConfig trigger = config.trigger();
        assertThat(trigger.metric()).isEqualTo(TriggerMetric.NODE_SYS);
        assertThat(trigger.threshold()).isEqualTo(80.0);
        assertThat(trigger.forSeconds()).isEqualTo(5);
        assertThat(trigger.cooldownSeconds()).isEqualTo(600);
        assertThat(Agents.of(client, ns)).hasSize(1);
    }

    @Test
    void nodeWideJobInAnAllowedNamespaceRunsOnEveryNode() {
        String ns = "ops";
        ProfilingJobSpec spec = Cluster.spec(Mode.GENERAL, null);
        spec.profilers = List.of(Profiler.ON_CPU, Profiler.OFF_CPU);
        cluster.job(ns, "whole-cluster", spec);

        ProfilingJob job = cluster.awaitCondition(ns, "whole-cluster", ProfilingJobStatus.SCHEDULED, "True");
        assertThat(job.getStatus().targetNodes).contains("node-1", "node-2", "node-3");
        assertThat(Agents.of(client, ns))
                .extracting(p -> p.getSpec().getNodeName())
                .contains("node-1", "node-2", "node-3");
        assertThat(cluster.jobConfig(ns, "whole-cluster").nodeWide()).isTrue();
        // off-cpu attaches to a tracepoint: tracefs is mounted, read-only.
        assertThat(Agents.of(client, ns)
                        .getFirst()
                        .getSpec()
                        .getContainers()
                        .getFirst()
                        .getVolumeMounts())
                .anySatisfy(m -> {
                    assertThat(m.getMountPath()).isEqualTo("/sys/kernel/tracing");
                    assertThat(m.getReadOnly()).isTrue();
                });
    }

    @Test
    void oneShotJobSucceedsAndRemovesItsAgentsButKeepsTheReport() {
        String ns = "one-shot";
        Pod a = cluster.pod(ns, "a", Map.of("app", "a"), "node-1");
        Pod b = cluster.pod(ns, "b", Map.of("app", "a"), "node-2");
        ProfilingJobSpec spec = Cluster.spec(Mode.GENERAL, Map.of("app", "a"));
        spec.runs = 1;
        ProfilingJob job = cluster.job(ns, "diagnose", spec);
        cluster.awaitCondition(ns, "diagnose", ProfilingJobStatus.SCHEDULED, "True");
        assertThat(Agents.of(client, ns)).hasSize(2);

        // A slice that just ended: within its grace the operator waits for both nodes (an old one
        // would be merged, and the one-shot job finished, on the first result).
        Instant slice = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(30);
        cluster.result(job, Cluster.profile("node-1", slice, List.of(Cluster.podApp(a, 2000))));
        cluster.result(job, Cluster.profile("node-2", slice, List.of(Cluster.podApp(b, 500))));

        ProfilingJob done = cluster.awaitCondition(ns, "diagnose", ProfilingJobStatus.SUCCEEDED, "True");
        assertThat(done.getStatus().phase).isEqualTo(Phase.SUCCEEDED);
        assertThat(done.getStatus().completedSlices).isEqualTo(1);
        assertThat(done.getStatus().topApplications).extracting(app -> app.pod).containsExactly("a", "b");
        assertThat(Agents.of(client, ns)).isEmpty();
        assertThat(cluster.jobConfig(ns, "diagnose")).isNull();
        assertThat(done.getStatus().results)
                .hasSize(2)
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
    void agentsFollowPodsThatMoveToAnotherNode() {
        String ns = "moving";
        Pod web = cluster.pod(ns, "web-a", Map.of("app", "web"), "node-1");
        cluster.job(ns, "follow", Cluster.spec(Mode.GENERAL, Map.of("app", "web")));
        cluster.awaitCondition(ns, "follow", ProfilingJobStatus.SCHEDULED, "True");
        assertThat(Agents.of(client, ns))
                .extracting(p -> p.getSpec().getNodeName())
                .containsExactly("node-1");

        Pod moved = cluster.move(web, "web-b", "node-3");

        cluster.await(ns, "follow", job -> job.getStatus().targetNodes.equals(List.of("node-3")));
        Awaitility.await()
                .atMost(Cluster.WAIT)
                .untilAsserted(() -> assertThat(Agents.of(client, ns))
                        .extracting(p -> p.getSpec().getNodeName())
                        .containsExactly("node-3"));
        assertThat(cluster.jobConfig(ns, "follow").pods())
                .extracting(AgentJobConfig.SelectedPod::uid)
                .containsExactly(moved.getMetadata().getUid());
    }

    @Test
    void everythingAJobCreatesIsOwnedByItSoDeletionCleansUp() {
        String ns = "deletion";
        Pod p = cluster.pod(ns, "p", Map.of("app", "p"), "node-1");
        ProfilingJob job = cluster.job(ns, "short-lived", Cluster.spec(Mode.GENERAL, Map.of("app", "p")));
        cluster.awaitCondition(ns, "short-lived", ProfilingJobStatus.SCHEDULED, "True");
        cluster.result(
                job, Cluster.profile("node-1", Instant.parse("2026-01-01T00:00:00Z"), List.of(Cluster.podApp(p, 10))));
        cluster.await(ns, "short-lived", j -> j.getStatus().lastSlice != null);

        client.resource(job).delete();
        // The mock server has no garbage collector; this one follows controller owner references as
        // the API server's does, so whatever lacks the reference to the job would survive.
        OwnerGarbageCollector.collect(client, ns);

        Awaitility.await().atMost(Cluster.WAIT).untilAsserted(() -> {
            assertThat(Agents.of(client, ns)).isEmpty();
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
}
