package dev.ebpf.profiling.operator.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.job.AgentContract;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The cluster-wide result budget on the mock API server (CRUD mode): it learns the sizes from a
 * label-selected informer that keeps no data, and past the budget deletes the oldest slices of the
 * largest job first, with a Warning Event on that job, never a job's newest slice.
 */
@EnableKubernetesMockClient(crud = true)
class ResultBudgetTest {

    static final String NS = "budget";

    KubernetesClient client;

    @Test
    void theOldestSlicesOfTheLargestJobGoFirstWithAWarning() {
        result("big", "uid-big", "20260101T120000Z", 1000);
        result("big", "uid-big", "20260101T120500Z", 1000);
        result("big", "uid-big", "20260101T121000Z", 1000);
        result("small", "uid-small", "20260101T115500Z", 300); // older than any of big's
        result("small", "uid-small", "20260101T121000Z", 300);
        // Not ours: another component's ConfigMap, and a ConfigMap without our labels.
        client.configMaps()
                .inNamespace(NS)
                .resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName("unrelated")
                        .endMetadata()
                        .addToData("x", "y".repeat(5000))
                        .build())
                .create();

        ResultBudget budget = new ResultBudget(client, 3000, Clock.systemUTC());
        budget.start();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> budget.totalBytes() == 3600);
            assertThat(budget.cached())
                    .hasSize(5)
                    .allSatisfy(cm -> assertThat(cm.getData()).isNullOrEmpty())
                    .allSatisfy(cm -> assertThat(cm.getBinaryData()).isNullOrEmpty());

            List<ResultBudget.Entry> deleted = budget.enforce();

            assertThat(deleted).extracting(ResultBudget.Entry::name).containsExactly("big-20260101T120000Z");
            assertThat(names())
                    .containsExactlyInAnyOrder(
                            "big-20260101T120500Z",
                            "big-20260101T121000Z",
                            "small-20260101T115500Z",
                            "small-20260101T121000Z",
                            "unrelated");
            List<Event> warnings = client.v1().events().inNamespace(NS).list().getItems();
            assertThat(warnings).singleElement().satisfies(e -> {
                assertThat(e.getType()).isEqualTo("Warning");
                assertThat(e.getReason()).isEqualTo(ResultBudget.REASON);
                assertThat(e.getInvolvedObject().getName()).isEqualTo("big");
                assertThat(e.getInvolvedObject().getUid()).isEqualTo("uid-big");
                assertThat(e.getMessage()).contains("deleted the oldest 1 result slice(s)");
            });
            assertThat(budget.totalBytes()).isEqualTo(2600);
        } finally {
            budget.stop();
        }
    }

    @Test
    void aJobKeepsItsNewestSliceWhateverTheBudget() {
        result("big", "uid-big", "20260101T120000Z", 1000);
        result("big", "uid-big", "20260101T120500Z", 1000);
        result("small", "uid-small", "20260101T120000Z", 300);
        result("small", "uid-small", "20260101T120500Z", 300);
        ResultBudget budget = new ResultBudget(client, 1, Clock.systemUTC());
        client.configMaps().inNamespace(NS).list().getItems().forEach(budget::noteWritten);

        List<ResultBudget.Entry> deleted = budget.enforce();

        // big first (the largest), then small; each keeps its newest slice.
        assertThat(deleted)
                .extracting(ResultBudget.Entry::name)
                .containsExactly("big-20260101T120000Z", "small-20260101T120000Z");
        assertThat(names()).containsExactlyInAnyOrder("big-20260101T120500Z", "small-20260101T120500Z");
        // One Warning per job; a second round within the warning interval adds none.
        assertThat(client.v1().events().inNamespace(NS).list().getItems()).hasSize(2);
    }

    private List<String> names() {
        return client.configMaps().inNamespace(NS).list().getItems().stream()
                .map(cm -> cm.getMetadata().getName())
                .toList();
    }

    /** A job-level result ConfigMap as the operator writes it, with {@code bytes} in its size annotation. */
    private void result(String job, String uid, String slice, long bytes) {
        Map<String, String> labels = AgentContract.jobLabels(job, AgentContract.COMPONENT_RESULT);
        labels.put(AgentContract.LABEL_SLICE, slice);
        ConfigMap cm = new ConfigMapBuilder()
                .withNewMetadata()
                .withName(job + "-" + slice)
                .withNamespace(NS)
                .withLabels(labels)
                .addToAnnotations(AgentContract.ANNOTATION_RESULT_BYTES, Long.toString(bytes))
                .addNewOwnerReference()
                .withApiVersion("profiling.ebpf.dev/v1alpha1")
                .withKind("ProfilingJob")
                .withName(job)
                .withUid(uid)
                .endOwnerReference()
                .endMetadata()
                .addToData(AgentContract.RESULT_PROFILE_KEY, "x".repeat((int) bytes))
                .build();
        client.configMaps().inNamespace(NS).resource(cm).create();
    }
}
