package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.AgentJobConfig;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.Phase;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import dev.ebpf.profiling.api.profile.ProfileJson;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithKubernetesTestServer(crud = true)
class GeneralModeTest {

    static final Duration WAIT = Duration.ofSeconds(20);

    @Inject
    KubernetesClient client;

    Cluster cluster;

    @BeforeEach
    void nodes() {
        cluster = new Cluster(client);
        cluster.node("node-1", 2);
        cluster.node("node-2", 2);
        cluster.node("node-3", 2);
    }

    @Test
    void schedulesOneLockedDownAgentOnEachNodeOfTheSelectedPods() throws Exception {
        String ns = "general-schedule";
        Pod web1 = cluster.pod(ns, "web-1", Map.of("app", "web"), "node-1");
        cluster.pod(ns, "web-2", Map.of("app", "web"), "node-1");
        Pod web3 = cluster.pod(ns, "web-3", Map.of("app", "web"), "node-2");
        cluster.pod(ns, "db-1", Map.of("app", "db"), "node-3");

        ProfilingJob job = cluster.job(ns, "web-jitter", Cluster.spec(Mode.GENERAL, Map.of("app", "web")));

        ProfilingJob ready = awaitCondition(ns, "web-jitter", ProfilingJobStatus.SCHEDULED, "True");
        assertThat(ready.getStatus().targetNodes).containsExactly("node-1", "node-2");
        assertThat(ready.getStatus().phase).isEqualTo(Phase.SCHEDULED);
        assertThat(ready.getStatus().nodes).isEqualTo("0/2");
        assertThat(ready.getStatus().observedGeneration).isEqualTo(ready.getMetadata().getGeneration());

        List<Pod> agents = Agents.of(client, ns);
        assertThat(agents).extracting(p -> p.getSpec().getNodeName()).containsExactlyInAnyOrder("node-1", "node-2");
        Pod agent = agents.getFirst();
        assertThat(agent.getSpec().getHostPID()).isTrue();
        assertThat(agent.getSpec().getServiceAccountName()).isEqualTo("ebpf-profiler-agent");
        assertThat(agent.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(ref -> assertThat(ref.getUid()).isEqualTo(job.getMetadata().getUid()))
                .satisfies(ref -> assertThat(ref.getController()).isTrue());
        Container container = agent.getSpec().getContainers().getFirst();
        var security = container.getSecurityContext();
        assertThat(security.getPrivileged()).isFalse();
        assertThat(security.getReadOnlyRootFilesystem()).isTrue();
        assertThat(security.getCapabilities().getAdd()).containsExactlyInAnyOrder("BPF", "PERFMON", "SYS_RESOURCE", "SYS_PTRACE");
        assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(container.getVolumeMounts()).filteredOn(m -> m.getMountPath().startsWith("/sys"))
                .extracting(m -> m.getMountPath()).containsExactlyInAnyOrder("/sys/fs/cgroup", "/sys/kernel/btf");
        assertThat(container.getVolumeMounts()).filteredOn(m -> !m.getMountPath().equals("/tmp"))
                .allSatisfy(m -> assertThat(m.getReadOnly()).isTrue());
        assertThat(container.getResources().getLimits()).containsKeys("cpu", "memory");
        assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");

        ConfigMap configMap = client.configMaps().inNamespace(ns).withName(AgentContract.jobConfigName("web-jitter")).get();
        AgentJobConfig config = ProfileJson.mapper().readValue(configMap.getData().get(AgentContract.JOB_CONFIG_KEY),
                AgentJobConfig.class);
        assertThat(config.pods()).extracting(AgentJobConfig.SelectedPod::name).containsExactly("web-1", "web-2", "web-3");
        assertThat(config.pods()).extracting(AgentJobConfig.SelectedPod::uid)
                .contains(web1.getMetadata().getUid(), web3.getMetadata().getUid());
        assertThat(config.job().uid()).isEqualTo(job.getMetadata().getUid());
        assertThat(config.durationSeconds()).isEqualTo(30);
        assertThat(config.intervalSeconds()).isEqualTo(300);
        assertThat(config.frequencyHz()).isEqualTo(99);
        assertThat(config.nodeWide()).isFalse();

        assertThat(Agents.events(client, ns, "web-jitter")).contains("Normal Scheduled: Scheduled node agents on 2 nodes");
    }

    ProfilingJob awaitCondition(String ns, String name, String type, String status) {
        return await().atMost(WAIT).until(() -> cluster.get(ns, name),
                job -> job.getStatus() != null && Conditions.find(job.getStatus().conditions, type)
                        .filter(c -> status.equals(c.getStatus())).isPresent());
    }
}
