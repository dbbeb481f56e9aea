package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.sink.LocalS3Server;
import dev.ebpf.profiling.agent.testsupport.PodCgroups;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.ObjectStoreStatus;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.ProfileJson;
import dev.ebpf.profiling.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The object store end to end: the operator on the mock API server, a real {@code node-agent run}
 * process as node-1's agent profiling a real pod cgroup, and a real S3 server (s3proxy). The test
 * plays the kubelet: it hands the agent the job config and the Secret's keys as mounted files.
 */
// Disabled (issue 9): this test hands the real agent the job-config ConfigMap the operator no
// longer writes. It comes back when `node-agent run` watches ProfilingJobs itself and pushes to
// the operator's ingest endpoint (the agent and ingest branches).
@org.junit.jupiter.api.Disabled(
        "issue 9: the agent no longer gets a job-config ConfigMap; back with the new agent and ingest")
@QuarkusTest
class EndToEndUploadTest extends ThreeNodeClusterTest {

    private static final String NAMESPACE = "e2e-upload";
    private static final String NODE = "node-1";
    private static final String BUCKET = "profiles";

    @Test
    void oneAgentUploadsItsSliceAndTheStatusLinksToTheObjects() throws Exception {
        RequiresRoot.assumeBpf();
        assertThat(AgentProcess.AGENT_JAR)
                .as("the agent's jar (built by the node-agent module)")
                .exists();
        Path dir = Files.createTempDirectory("e2e-upload");
        try (LocalS3Server s3 = LocalS3Server.start(dir.resolve("s3"))) {
            s3.createBucket(BUCKET);
            Pod pod = cluster.pod(NAMESPACE, "busy", Map.of("app", "web"), NODE);
            try (PodCgroups busy = cgroupsFor(pod)) {
                busy.container(0).start("sh", "-c", "while :; do :; done");
                runJob(dir, s3);
            }
        }
    }

    private void runJob(Path dir, LocalS3Server s3) throws Exception {
        client.resource(new SecretBuilder()
                        .withNewMetadata()
                        .withNamespace(NAMESPACE)
                        .withName("s3-keys")
                        .endMetadata()
                        .withStringData(Map.of(
                                "accessKeyId", LocalS3Server.ACCESS_KEY, "secretAccessKey", LocalS3Server.SECRET_KEY))
                        .build())
                .create();
        ProfilingJobSpec spec = ObjectStoreStatusTest.specWithStore("s3-keys");
        spec.mode = Mode.FILTER;
        spec.duration = "2s";
        spec.interval = null;
        spec.runs = 1;
        spec.output.objectStore.endpoint = s3.endpoint().toString();
        cluster.job(NAMESPACE, "upload-job", spec);

        ConfigMap jobConfig;
        try {
            jobConfig = Awaitility.await()
                    .atMost(Cluster.WAIT)
                    .until(
                            () -> client.configMaps()
                                    .inNamespace(NAMESPACE)
                                    .withName(AgentContract.jobConfigName("upload-job"))
                                    .get(),
                            c -> c != null);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(
                    "no job config; job status "
                            + Cluster.toJson(
                                    cluster.get(NAMESPACE, "upload-job").getStatus()),
                    e);
        }
        Path configFile = Files.writeString(
                dir.resolve(AgentContract.JOB_CONFIG_KEY), jobConfig.getData().get(AgentContract.JOB_CONFIG_KEY));
        // What the kubelet makes of the pod's Secret volume.
        Path credentials = Files.createDirectories(dir.resolve("credentials"));
        Files.writeString(credentials.resolve(AgentContract.CREDENTIALS_ACCESS_KEY_ID_FILE), LocalS3Server.ACCESS_KEY);
        Files.writeString(
                credentials.resolve(AgentContract.CREDENTIALS_SECRET_ACCESS_KEY_FILE), LocalS3Server.SECRET_KEY);
        Process agent = startAgent(dir, configFile, credentials);
        try {
            assertThat(agent.waitFor(90, TimeUnit.SECONDS))
                    .as("agent finished its one slice")
                    .isTrue();
            assertThat(agent.exitValue())
                    .as("agent exit code; its output: %s", Files.readString(dir.resolve("agent.log")))
                    .isZero();
        } finally {
            agent.destroyForcibly();
        }

        ProfilingJob job = cluster.await(
                NAMESPACE,
                "upload-job",
                j -> j.getStatus() != null
                        && j.getStatus().objectStore != null
                        && !j.getStatus().objectStore.nodes.isEmpty()
                        && !j.getStatus().objectStore.nodes.getFirst().objects.isEmpty());
        ObjectStoreStatus.NodeUploadStatus node =
                job.getStatus().objectStore.nodes.getFirst();
        assertThat(node.node).isEqualTo(NODE);
        assertThat(node.state).isEqualTo(AgentContract.UPLOAD_STATE_OK);
        assertThat(node.pendingSlices).isZero();
        assertThat(node.objects)
                .hasSize(3)
                .allSatisfy(uri ->
                        assertThat(uri).startsWith("s3://" + BUCKET + "/clusters/test/" + NAMESPACE + "/upload-job/"));
        String jsonKey = node.objects.getFirst().substring(("s3://" + BUCKET + "/").length());
        NodeProfile stored = ProfileJson.mapper().readValue(s3.read(BUCKET, jsonKey), NodeProfile.class);
        assertThat(stored.node()).isEqualTo(NODE);
        assertThat(stored.topApplications())
                .isNotEmpty()
                .allSatisfy(app -> assertThat(app.pod().name()).isEqualTo("busy"));
        assertThat(Conditions.find(job.getStatus().conditions, ProfilingJobStatus.UPLOADED)
                        .orElseThrow()
                        .getStatus())
                .isEqualTo("True");
    }

    private PodCgroups cgroupsFor(Pod pod) {
        PodCgroups cgroups = PodCgroups.builder()
                .podUid(pod.getMetadata().getUid())
                .container()
                .build();
        pod.setStatus(new PodStatusBuilder(pod.getStatus())
                .addNewContainerStatus()
                .withName("main")
                .withContainerID("containerd://" + cgroups.container(0).id())
                .endContainerStatus()
                .build());
        client.pods().inNamespace(NAMESPACE).resource(pod).updateStatus();
        return cgroups;
    }

    private Process startAgent(Path dir, Path configFile, Path credentials) throws IOException {
        return AgentProcess.start(
                client,
                NAMESPACE,
                NODE,
                configFile,
                dir.resolve("agent.log"),
                "--spool-dir",
                dir.resolve("spool").toString(),
                "--credentials-dir",
                credentials.toString());
    }
}
