package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.ObjectStoreSpec;
import dev.ebpf.profiling.api.job.ObjectStoreStatus;
import dev.ebpf.profiling.api.job.OutputSpec;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import dev.ebpf.profiling.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * spec.output.objectStore on the operator's side: the credentials Secret checked before the job
 * is accepted, and the agents' upload annotations turned into status links, the Uploaded
 * condition and Events. (How the one agent DaemonSet reaches a store is not settled yet: it no
 * longer mounts a tenant's Secret.)
 */
@QuarkusTest
class ObjectStoreStatusTest extends ThreeNodeClusterTest {

    private static final String SECRET = "profiles-s3";

    static ProfilingJobSpec specWithStore(String secret) {
        ProfilingJobSpec spec = Cluster.spec(Mode.GENERAL, Map.of("app", "web"));
        spec.output = new OutputSpec();
        spec.output.objectStore = new ObjectStoreSpec();
        spec.output.objectStore.endpoint = "http://minio.storage:9000";
        spec.output.objectStore.bucket = "profiles";
        spec.output.objectStore.prefix = "clusters/test";
        spec.output.objectStore.credentialsSecret = new ObjectStoreSpec.CredentialsSecret();
        spec.output.objectStore.credentialsSecret.name = secret;
        return spec;
    }

    private void secret(String namespace, Map<String, String> data) {
        client.resource(new SecretBuilder()
                        .withNewMetadata()
                        .withNamespace(namespace)
                        .withName(SECRET)
                        .endMetadata()
                        .withStringData(data)
                        .build())
                .create();
    }

    @Test
    void aMissingSecretOrKeyRefusesTheJobWithAWarning() {
        String ns = "store-refused";
        cluster.pod(ns, "web", Map.of("app", "web"), "node-1");
        cluster.job(ns, "no-secret", specWithStore(SECRET));
        ProfilingJob refused = cluster.awaitCondition(ns, "no-secret", ProfilingJobStatus.READY, "False");
        assertThat(Conditions.find(refused.getStatus().conditions, ProfilingJobStatus.READY)
                        .orElseThrow())
                .satisfies(c -> {
                    assertThat(c.getReason()).isEqualTo("CredentialsSecretMissing");
                    assertThat(c.getMessage())
                            .isEqualTo("spec.output.objectStore.credentialsSecret: Secret " + ns
                                    + "/profiles-s3 does not exist");
                });
        Agents.awaitEvents(
                client,
                ns,
                "no-secret",
                events -> assertThat(events)
                        .containsExactly(
                                "Warning CredentialsSecretMissing: spec.output.objectStore.credentialsSecret: Secret "
                                        + ns + "/profiles-s3 does not exist"));

        String other = "store-key-missing";
        cluster.pod(other, "web", Map.of("app", "web"), "node-1");
        secret(other, Map.of("accessKeyId", "AKIA-TEST"));
        cluster.job(other, "no-key", specWithStore(SECRET));
        ProfilingJob noKey = cluster.awaitCondition(other, "no-key", ProfilingJobStatus.READY, "False");
        assertThat(Conditions.find(noKey.getStatus().conditions, ProfilingJobStatus.READY)
                        .orElseThrow()
                        .getMessage())
                .isEqualTo("spec.output.objectStore.credentialsSecret: Secret " + other
                        + "/profiles-s3 has no key 'secretAccessKey'");
        assertThat(Agents.of(client, ns)).isEmpty();
        assertThat(Agents.of(client, other)).isEmpty();
    }

    @Test
    void uploadAnnotationsBecomeLinksAConditionAndEvents() {
        String ns = "store-status";
        Pod web1 = cluster.pod(ns, "web-1", Map.of("app", "web"), "node-1");
        Pod web2 = cluster.pod(ns, "web-2", Map.of("app", "web"), "node-2");
        secret(ns, Map.of("accessKeyId", "AKIA-TEST", "secretAccessKey", "s3cr3t"));
        ProfilingJob job = cluster.job(ns, "archive", specWithStore(SECRET));
        cluster.awaitCondition(ns, "archive", ProfilingJobStatus.SCHEDULED, "True");

        Instant slice = Instant.parse("2026-01-01T12:05:00Z");
        String base = "s3://profiles/clusters/test/" + ns + "/archive/2026-01-01T12:05:00Z/";
        String rejected = "object store http://minio.storage:9000 bucket 'profiles' rejected the credentials of"
                + " access key 'AKIA-TEST' (SignatureDoesNotMatch)";
        annotate(
                cluster.result(job, Cluster.profile("node-1", slice, List.of(Cluster.podApp(web1, 100)))),
                uploaded(base + "node-1", 0, 0, ""));
        annotate(
                cluster.result(job, Cluster.profile("node-2", slice, List.of(Cluster.podApp(web2, 100)))),
                Map.of(
                        AgentContract.ANNOTATION_UPLOAD_STATE,
                        "ObjectStoreCredentialsRejected",
                        AgentContract.ANNOTATION_UPLOAD_MESSAGE,
                        rejected,
                        AgentContract.ANNOTATION_UPLOADS_PENDING,
                        "3",
                        AgentContract.ANNOTATION_UPLOADS_DROPPED,
                        "0"));

        ProfilingJob failing = cluster.await(
                ns,
                "archive",
                j -> j.getStatus().objectStore != null
                        && j.getStatus().objectStore.nodes.size() == 2
                        && Conditions.find(j.getStatus().conditions, ProfilingJobStatus.UPLOADED)
                                .filter(c -> "False".equals(c.getStatus()))
                                .isPresent());
        ObjectStoreStatus store = failing.getStatus().objectStore;
        assertThat(store.location).isEqualTo("s3://profiles/clusters/test");
        assertThat(store.pendingSlices).isEqualTo(3);
        assertThat(store.nodes.getFirst().objects)
                .containsExactly(base + "node-1.json", base + "node-1.folded.gz", base + "node-1.pprof");
        assertThat(store.nodes.getFirst().slice).isEqualTo("20260101T120500Z");
        assertThat(store.nodes.get(1).state).isEqualTo("ObjectStoreCredentialsRejected");
        assertThat(store.nodes.get(1).objects).isEmpty();
        var condition = Conditions.find(failing.getStatus().conditions, ProfilingJobStatus.UPLOADED)
                .orElseThrow();
        assertThat(condition.getReason()).isEqualTo("ObjectStoreCredentialsRejected");
        assertThat(condition.getMessage()).isEqualTo("node-2: " + rejected + " (3 slice(s) waiting)");
        Agents.awaitEvents(
                client,
                ns,
                "archive",
                events -> assertThat(events)
                        .containsOnlyOnce("Warning ObjectStoreCredentialsRejected: node-2: " + rejected
                                + " (3 slice(s) waiting)"));

        // The Secret is fixed: node-2's agent uploads its spool, all but one slice its bound dropped.
        annotate(
                client.configMaps()
                        .inNamespace(ns)
                        .withName(AgentContract.resultName("archive", "node-2", slice))
                        .get(),
                uploaded(base + "node-2", 0, 1, "slice x dropped: spool full (bounds 1000 slices, 201326592 bytes)"));
        ProfilingJob fixed = cluster.awaitCondition(ns, "archive", ProfilingJobStatus.UPLOADED, "True");
        assertThat(fixed.getStatus().objectStore.nodes.get(1).objects).contains(base + "node-2.pprof");
        assertThat(fixed.getStatus().objectStore.droppedSlices).isEqualTo(1);
        assertThat(fixed.getStatus().objectStore.nodes.get(1).droppedReason).contains("spool full");
        Agents.awaitEvents(
                client,
                ns,
                "archive",
                events -> assertThat(events)
                        .contains("Normal Uploaded: Uploads to s3://profiles/clusters/test work again")
                        .anyMatch(e -> e.startsWith("Warning UploadsDropped: 1 more slice(s) dropped")));
    }

    private static Map<String, String> uploaded(String base, int pending, int dropped, String droppedReason) {
        return Map.of(
                AgentContract.ANNOTATION_OBJECTS,
                base + ".json," + base + ".folded.gz," + base + ".pprof",
                AgentContract.ANNOTATION_UPLOAD_STATE,
                AgentContract.UPLOAD_STATE_OK,
                AgentContract.ANNOTATION_UPLOAD_MESSAGE,
                "",
                AgentContract.ANNOTATION_UPLOADS_PENDING,
                Integer.toString(pending),
                AgentContract.ANNOTATION_UPLOADS_DROPPED,
                Integer.toString(dropped),
                AgentContract.ANNOTATION_UPLOADS_DROPPED_REASON,
                droppedReason);
    }

    /** What the agent's upload thread does after a round. */
    private void annotate(io.fabric8.kubernetes.api.model.ConfigMap result, Map<String, String> annotations) {
        client.configMaps()
                .inNamespace(result.getMetadata().getNamespace())
                .withName(result.getMetadata().getName())
                .edit(cm -> {
                    Map<String, String> all = new HashMap<>(
                            cm.getMetadata().getAnnotations() == null
                                    ? Map.of()
                                    : cm.getMetadata().getAnnotations());
                    all.putAll(annotations);
                    cm.getMetadata().setAnnotations(all);
                    return cm;
                });
    }
}
