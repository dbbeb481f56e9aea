package dev.ebpf.profiling.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.cgroup.CgroupMount;
import dev.ebpf.profiling.agent.metrics.AgentMetrics;
import dev.ebpf.profiling.agent.testsupport.PodCgroups;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.AgentJobConfig;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.Profiler;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.ProfileJson;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's cluster mode against a Kubernetes API (mock server, CRUD) with real pods' cgroups and real eBPF. */
@EnableKubernetesMockClient(crud = true)
class ClusterRunTest {

    private static final String NODE = "node-under-test";

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
    void publishesFilteredNamedSlicesAndKeepsOnlyTheRetention() throws Exception {
        Pod webPod = apiPods.create("web", "nginx-7d9f-x2", NODE);
        try (PodCgroups web = apiPods.cgroupsFor(webPod);
                PodCgroups other = apiPods.cgroupsFor(apiPods.create("other", "intruder", NODE));
                PodCgroups notSelected = apiPods.cgroupsFor(apiPods.create("web", "bystander", NODE))) {
            web.container(0).startBusyLoop();
            other.container(0).startBusyLoop();
            notSelected.container(0).startBusyLoop();
            AgentJobConfig config = new AgentJobConfig(
                    AgentJobConfig.SCHEMA_VERSION,
                    new AgentJobConfig.JobRef("web", "nginx-jitter", "6f1c-uid"),
                    Mode.FILTER,
                    List.of(Profiler.ON_CPU, Profiler.OFF_CPU),
                    99,
                    null,
                    2,
                    null,
                    3,
                    10,
                    2,
                    false,
                    List.of(
                            ApiPods.selected(webPod, NODE),
                            new AgentJobConfig.SelectedPod("elsewhere-uid", "web", "far", "another-node")),
                    null,
                    null);
            Path configFile = dir.resolve("job.json");
            Files.writeString(configFile, ProfileJson.mapper().writeValueAsString(config));
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            AgentMetrics metrics = new AgentMetrics(NODE);

            new ClusterRun(
                            client,
                            NODE,
                            configFile,
                            CgroupMount.findUnified(),
                            new PrintStream(log, true, StandardCharsets.UTF_8),
                            metrics)
                    .run();

            ByteArrayOutputStream scrape = new ByteArrayOutputStream();
            metrics.writeText(scrape);
            // Each slice reached the metrics, with the application named as in the result.
            assertThat(scrape.toString(StandardCharsets.UTF_8))
                    .containsPattern("ebpf_profiler_samples_total\\{[^}]*node=\"node-under-test\"[^}]*} [1-9]")
                    .containsPattern("ebpf_profiler_application_cpu_percent\\{[^}]*pod=\"nginx-7d9f-x2\"");

            assertThat(log.toString(StandardCharsets.UTF_8).lines())
                    .hasSize(3)
                    .allSatisfy(line -> assertThat(line).contains("-> configmap nginx-jitter-node-under-test-"));
            List<ConfigMap> results = client.configMaps()
                    .inNamespace("web")
                    .withLabel(AgentContract.LABEL_COMPONENT, AgentContract.COMPONENT_RESULT)
                    .list()
                    .getItems();
            // Three slices were published; the retention keeps the newest two.
            assertThat(results).hasSize(2);
            for (ConfigMap result : results) {
                assertThat(result.getMetadata().getLabels())
                        .containsEntry(AgentContract.LABEL_JOB, "nginx-jitter")
                        .containsEntry(AgentContract.LABEL_NODE, NODE)
                        .containsKey(AgentContract.LABEL_SLICE);
                assertThat(result.getMetadata().getOwnerReferences())
                        .singleElement()
                        .satisfies(owner -> assertThat(owner.getUid()).isEqualTo("6f1c-uid"));
                NodeProfile profile = ProfileJson.mapper()
                        .readValue(result.getData().get(AgentContract.RESULT_PROFILE_KEY), NodeProfile.class);
                assertThat(profile.node()).isEqualTo(NODE);
                assertThat(profile.topApplications())
                        .as("slice %s of %s", profile.start(), log)
                        .isNotEmpty()
                        .allSatisfy(app -> {
                            assertThat(app.pod().uid()).isEqualTo(web.podUid());
                            assertThat(app.pod().namespace()).isEqualTo("web");
                            assertThat(app.pod().name()).isEqualTo("nginx-7d9f-x2");
                            assertThat(app.pod().container()).isEqualTo("main");
                            assertThat(app.name()).isEqualTo("pod web/nginx-7d9f-x2 (main)");
                        });
                assertThat(profile.start().getEpochSecond() % 2).isZero();
                // Off-CPU ran too, under the same filter: only the selected pod's waits.
                assertThat(profile.offCpu()).isNotNull();
                assertThat(profile.offCpu().topApplications())
                        .allSatisfy(app -> assertThat(app.name()).isEqualTo("pod web/nginx-7d9f-x2 (main)"));
                assertThat(result.getBinaryData()).containsKey(AgentContract.RESULT_OFF_CPU_STACKS_KEY);
                String folded = new String(
                        new GZIPInputStream(new java.io.ByteArrayInputStream(Base64.getDecoder()
                                        .decode(result.getBinaryData().get(AgentContract.RESULT_ON_CPU_STACKS_KEY))))
                                .readAllBytes(),
                        StandardCharsets.UTF_8);
                assertThat(folded).isNotBlank().doesNotContain(other.podUid()).doesNotContain(notSelected.podUid());
                // Folded lines start with the application, spaces written as '_'.
                assertThat(folded.lines())
                        .allSatisfy(line -> assertThat(line).startsWith("pod_web/nginx-7d9f-x2_(main);"));
            }
        }
    }

    @Test
    void aJobWhosePodsAreNotHereCountsNothing() throws Exception {
        try (PodCgroups busy = PodCgroups.builder().container().build()) {
            busy.container(0).startBusyLoop();
            AgentJobConfig config = new AgentJobConfig(
                    AgentJobConfig.SCHEMA_VERSION,
                    new AgentJobConfig.JobRef("web", "empty-job", "e-uid"),
                    Mode.FILTER,
                    List.of(Profiler.ON_CPU),
                    99,
                    null,
                    1,
                    null,
                    1,
                    10,
                    5,
                    false,
                    List.of(new AgentJobConfig.SelectedPod("not-on-this-node", "web", "far", "another-node")),
                    null,
                    null);
            Path configFile = dir.resolve("job.json");
            Files.writeString(configFile, ProfileJson.mapper().writeValueAsString(config));

            new ClusterRun(
                            client,
                            NODE,
                            configFile,
                            CgroupMount.findUnified(),
                            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                            new AgentMetrics(NODE))
                    .run();

            ConfigMap result = client.configMaps()
                    .inNamespace("web")
                    .withLabel(AgentContract.LABEL_JOB, "empty-job")
                    .list()
                    .getItems()
                    .getFirst();
            NodeProfile profile = ProfileJson.mapper()
                    .readValue(result.getData().get(AgentContract.RESULT_PROFILE_KEY), NodeProfile.class);
            assertThat(profile.topApplications()).isEmpty();
            assertThat(profile.totalSamples()).isZero();
        }
    }
}
