package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.Phase;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import dev.ebpf.profiling.api.job.TriggerMetric;
import dev.ebpf.profiling.api.job.TriggerSpec;
import dev.ebpf.profiling.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each bad field is refused with Ready=False, its reason, a Warning Event, and no agents. The
 * mock server does not enforce the CRD schema, so these reach the operator as they would with an
 * older CRD; the schema's own checks are tested in CrdSchemaTest.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class ValidationTest {

    static final String NS = "validation";
    static final Map<String, String> WEB = Map.of("app", "web");

    @Inject
    KubernetesClient client;

    Cluster cluster;

    @BeforeEach
    void cluster() {
        cluster = new Cluster(client);
        cluster.node("node-1", 2);
        if (client.pods().inNamespace(NS).withName("web-1").get() == null) {
            cluster.pod(NS, "web-1", WEB, "node-1");
            cluster.pod(NS, "queued-1", Map.of("app", "queued"), null);
        }
    }

    /** An output naming the admin's store {@code name}, with the tenant's own endpoint when given. */
    static dev.ebpf.profiling.api.job.OutputSpec store(String name, String endpoint) {
        var output = new dev.ebpf.profiling.api.job.OutputSpec();
        output.objectStore = new dev.ebpf.profiling.api.job.ObjectStoreSpec();
        output.objectStore.name = name;
        output.objectStore.endpoint = endpoint;
        return output;
    }

    static Stream<Arguments> badFields() {
        return Stream.of(
                bad("mode missing", "ModeMissing", spec -> spec.mode = null),
                bad("object store unknown", "ObjectStoreUnknown", spec -> spec.output = store("elsewhere", null)),
                bad(
                        "object store endpoint from the tenant",
                        "ObjectStoreFieldsRefused",
                        spec -> spec.output = store("archive", "http://169.254.169.254")),
                bad("cpus backwards", "CpusInvalid", spec -> spec.cpus = "3-1"),
                bad("cpus twice", "CpusInvalid", spec -> spec.cpus = "0,0"),
                bad("cpus not on node", "CpusNotOnNode", spec -> spec.cpus = "0-7"),
                bad(
                        "selector matches nothing",
                        "SelectorMatchesNothing",
                        spec -> spec.selector = new LabelSelectorBuilder()
                                .withMatchLabels(Map.of("app", "none"))
                                .build()),
                bad(
                        "selector operator",
                        "SelectorInvalid",
                        spec -> spec.selector = new LabelSelectorBuilder()
                                .addNewMatchExpression()
                                .withKey("app")
                                .withOperator("Like")
                                .withValues("web")
                                .endMatchExpression()
                                .build()),
                bad(
                        "selected pods not on a node",
                        "PodsNotScheduled",
                        spec -> spec.selector = new LabelSelectorBuilder()
                                .withMatchLabels(Map.of("app", "queued"))
                                .build()),
                bad("node-wide outside allowed namespaces", "NodeWideNotAllowed", spec -> spec.selector = null),
                bad("duration zero", "DurationInvalid", spec -> spec.duration = "0s"),
                bad("duration format", "DurationInvalid", spec -> spec.duration = "30 seconds"),
                bad("duration under a second", "DurationInvalid", spec -> spec.duration = "500ms"),
                bad("interval shorter than duration", "IntervalInvalid", spec -> spec.interval = "10s"),
                bad("interval format", "IntervalInvalid", spec -> spec.interval = "5 minutes"),
                bad("interval outside general", "IntervalInvalid", spec -> {
                    spec.mode = Mode.FILTER;
                    spec.interval = "5m";
                }),
                bad("filter with neither selector nor cpus", "FilterEmpty", spec -> {
                    spec.mode = Mode.FILTER;
                    spec.selector = null;
                }),
                bad("trigger mode without trigger", "TriggerMissing", spec -> spec.mode = Mode.TRIGGER),
                bad(
                        "trigger outside trigger mode",
                        "TriggerInvalid",
                        spec -> spec.trigger = trigger(TriggerMetric.NODE_CPU, 50.0)),
                bad("trigger threshold", "TriggerInvalid", spec -> {
                    spec.mode = Mode.TRIGGER;
                    spec.trigger = trigger(TriggerMetric.NODE_CPU, 150.0);
                }),
                bad("trigger cpu metric without cpu", "TriggerInvalid", spec -> {
                    spec.mode = Mode.TRIGGER;
                    spec.trigger = trigger(TriggerMetric.CPU, 90.0);
                }),
                bad("trigger for format", "TriggerInvalid", spec -> {
                    spec.mode = Mode.TRIGGER;
                    spec.trigger = trigger(TriggerMetric.NODE_SYS, 80.0);
                    spec.trigger.forDuration = "soon";
                }),
                bad("trigger for under a second", "TriggerInvalid", spec -> {
                    spec.mode = Mode.TRIGGER;
                    spec.trigger = trigger(TriggerMetric.NODE_SYS, 80.0);
                    spec.trigger.forDuration = "500ms";
                }),
                bad("trigger pod-cpu without selector", "TriggerInvalid", spec -> {
                    spec.mode = Mode.TRIGGER;
                    spec.selector = null;
                    spec.trigger = trigger(TriggerMetric.POD_CPU, 80.0);
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFields")
    void badFieldIsRefusedWithoutAgents(String field, String reason, Consumer<ProfilingJobSpec> breakIt) {
        String name = "bad-" + field.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
        ProfilingJobSpec spec = Cluster.spec(Mode.GENERAL, WEB);
        breakIt.accept(spec);
        cluster.job(NS, name, spec);

        ProfilingJob job = cluster.awaitCondition(NS, name, ProfilingJobStatus.READY, "False");
        var ready = Conditions.find(job.getStatus().conditions, ProfilingJobStatus.READY)
                .orElseThrow();
        assertThat(ready.getReason()).isEqualTo(reason);
        assertThat(ready.getMessage()).isNotBlank().doesNotContain("\n");
        assertThat(job.getStatus().phase).isEqualTo(Phase.INVALID);
        assertThat(job.getStatus().targetNodes).isEmpty();
        Agents.awaitEvents(
                client,
                NS,
                name,
                events -> assertThat(events).containsExactly("Warning " + reason + ": " + ready.getMessage()));
    }

    @Test
    void fixingTheSpecSchedulesTheAgents() {
        ProfilingJobSpec spec = Cluster.spec(Mode.GENERAL, WEB);
        spec.cpus = "9";
        cluster.job(NS, "fixed-later", spec);
        cluster.awaitCondition(NS, "fixed-later", ProfilingJobStatus.READY, "False");

        ProfilingJob job = cluster.get(NS, "fixed-later");
        job.getSpec().cpus = "1";
        client.resource(job).update();

        ProfilingJob fixed = cluster.awaitCondition(NS, "fixed-later", ProfilingJobStatus.SCHEDULED, "True");
        assertThat(Conditions.isTrue(fixed.getStatus().conditions, ProfilingJobStatus.READY))
                .isTrue();
        assertThat(fixed.getStatus().observedGeneration)
                .isEqualTo(fixed.getMetadata().getGeneration());
        assertThat(fixed.getStatus().targetNodes).isNotEmpty();
    }

    private static Arguments bad(String field, String reason, Consumer<ProfilingJobSpec> breakIt) {
        return Arguments.of(field, reason, breakIt);
    }

    private static TriggerSpec trigger(TriggerMetric metric, double threshold) {
        TriggerSpec trigger = new TriggerSpec();
        trigger.metric = metric;
        trigger.threshold = threshold;
        return trigger;
    }
}
