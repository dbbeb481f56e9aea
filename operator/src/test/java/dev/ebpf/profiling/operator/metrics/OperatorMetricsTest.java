package dev.ebpf.profiling.operator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.Phase;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The operator's Prometheus endpoint: JOSDK's reconcile counters (per controller, no series per job)
 * and the jobs-by-state gauge, after one job that is scheduled and one that is refused. The mock API server is this class's own, so
 * these two are all the jobs there are.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class OperatorMetricsTest {

    static final String NS = "metrics";
    static final Duration WAIT = Duration.ofSeconds(20);

    @Inject
    KubernetesClient client;

    @TestHTTPResource("/q/metrics")
    URI metrics;

    @Test
    void countsReconcilesAndJobsByPhase() throws Exception {
        client.nodes()
                .resource(new NodeBuilder()
                        .withNewMetadata()
                        .withName("node-1")
                        .endMetadata()
                        .withNewStatus()
                        .addToCapacity("cpu", new Quantity("2"))
                        .endStatus()
                        .build())
                .create();
        client.resource(new PodBuilder()
                        .withNewMetadata()
                        .withNamespace(NS)
                        .withName("web-1")
                        .withUid(UUID.randomUUID().toString())
                        .withLabels(Map.of("app", "web"))
                        .endMetadata()
                        .withNewSpec()
                        .withNodeName("node-1")
                        .addNewContainer()
                        .withName("main")
                        .withImage("nginx")
                        .endContainer()
                        .endSpec()
                        .withNewStatus()
                        .withPhase("Running")
                        .endStatus()
                        .build())
                .create();

        job("valid", Mode.GENERAL);
        job("invalid", null); // no mode: refused
        awaitPhase("valid", Phase.SCHEDULED);
        awaitPhase("invalid", Phase.INVALID);

        Awaitility.await().atMost(WAIT).untilAsserted(() -> {
            String body = scrape();
            assertThat(value(body, "ebpf_profiler_jobs", "phase=\"Scheduled\"")).contains(1.0);
            assertThat(value(body, "ebpf_profiler_jobs", "phase=\"Invalid\"")).contains(1.0);
            assertThat(value(body, "ebpf_profiler_jobs", "phase=\"Pending\"")).contains(0.0);
            assertThat(value(body, "ebpf_profiler_jobs", "phase=\"Profiling\"")).contains(0.0);
            assertThat(value(body, "ebpf_profiler_jobs", "phase=\"Succeeded\"")).contains(0.0);
            assertThat(value(
                            body,
                            "operator_sdk_controllers_execution_reconcile_success_total",
                            "controller=\"profilingjobreconciler\""))
                    .hasValueSatisfying(v -> assertThat(v).isPositive());
            assertThat(body).contains("# TYPE operator_sdk_controllers_execution_reconcile_success counter");
            assertThat(body)
                    .as("no series per job")
                    .doesNotContain("name=\"valid\"")
                    .doesNotContain("name=\"invalid\"");
        });
    }

    private void job(String name, Mode mode) {
        ProfilingJobSpec spec = new ProfilingJobSpec();
        spec.mode = mode;
        spec.selector =
                new LabelSelectorBuilder().withMatchLabels(Map.of("app", "web")).build();
        ProfilingJob job = new ProfilingJob();
        job.getMetadata().setNamespace(NS);
        job.getMetadata().setName(name);
        job.setSpec(spec);
        client.resource(job).create();
    }

    private void awaitPhase(String name, Phase phase) {
        Awaitility.await()
                .atMost(WAIT)
                .until(
                        () -> client.resources(ProfilingJob.class)
                                .inNamespace(NS)
                                .withName(name)
                                .get(),
                        job -> job != null && job.getStatus() != null && job.getStatus().phase == phase);
    }

    private String scrape() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    /** The value of the first sample of the metric whose labels contain the label given. */
    private static Optional<Double> value(String body, String metric, String label) {
        Matcher sample = Pattern.compile("(?m)^" + Pattern.quote(metric) + "\\{([^}]*)} (\\S+)$")
                .matcher(body);
        while (sample.find()) {
            if (sample.group(1).contains(label)) {
                return Optional.of(Double.parseDouble(sample.group(2)));
            }
        }
        return Optional.empty();
    }
}
