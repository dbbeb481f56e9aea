package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.Phase;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.function.Function;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The indexed store answers as the stock store does, for what the operator and the simulator use:
 * the same scenario runs on a stock CRUD mock server and on {@link IndexedMockServer}, and each
 * step's answer is written to a transcript; the two transcripts must be equal, and the indexed
 * one must say what a Kubernetes API server would (so that equal-but-wrong cannot pass).
 */
class IndexedCrudDispatcherTest {

    @Test
    void answersAsTheStockStoreDoes() throws Exception {
        List<String> stock = scenario(stockServer());
        List<String> indexed = scenario(IndexedMockServer.startServer());
        assertThat(indexed).containsExactlyElementsOf(stock);
        assertThat(indexed)
                .contains(
                        "get node n1: n1",
                        "get missing node: null",
                        "pods in a: [a/p1, a/p2, a/p3]",
                        "pods everywhere: [a/p1, a/p2, a/p3, b/p1]",
                        "pods app=web in a: [a/p1, a/p2]",
                        "pods app!=web in a: [a/p3]",
                        "pods with tier in a: [a/p2]",
                        "pods without tier in a: [a/p1, a/p3]",
                        "pods metadata.name=p1 everywhere: [a/p1, b/p1]",
                        "configmaps in empty namespace: []",
                        "create twice: 409",
                        "stale update: 409",
                        "status PUT: phase PROFILING, spec.duration 30s",
                        "finalized delete: still there, marked for deletion",
                        "finalizer removed: gone",
                        "resourceVersion grows: true");
        assertThat(indexed.stream().filter(l -> l.startsWith("watch")).toList())
                .containsExactly(
                        // the watch of app=web in a: p2 left the selector by a label change, p1 was deleted
                        "watch: ADDED a/p1, ADDED a/p2, MODIFIED a/p1, DELETED a/p2, ADDED a/p4, DELETED a/p1");
    }

    @Test
    void refusesAWriteThatWouldBypassTheIndex() {
        IndexedCrudDispatcher store = new IndexedCrudDispatcher();
        assertThatThrownBy(() -> store.handleCreate("/api/v1/namespaces/a/pods", "{}"))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    /** The stock store, as {@code @WithKubernetesTestServer(crud = true)} starts it. */
    static KubernetesMockServer stockServer() {
        Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
        KubernetesMockServer server = new KubernetesMockServer(
                new Context(), new MockWebServer(), expectations, new KubernetesMixedDispatcher(expectations), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        return server;
    }

    private static List<String> scenario(KubernetesMockServer server) throws Exception {
        List<String> out = new ArrayList<>();
        try (KubernetesClient client = server.createClient()) {
            for (String node : List.of("n1", "n2")) {
                client.nodes()
                        .resource(new NodeBuilder()
                                .withNewMetadata()
                                .withName(node)
                                .endMetadata()
                                .build())
                        .create();
            }
            out.add("get node n1: " + name(client.nodes().withName("n1").get()));
            out.add("get missing node: " + name(client.nodes().withName("n9").get()));

            List<String> events = Collections.synchronizedList(new ArrayList<>());
            Watch watch = client.pods().inNamespace("a").withLabel("app", "web").watch(new Watcher<>() {
                @Override
                public void eventReceived(Action action, Pod pod) {
                    events.add(action + " " + ref(pod));
                }

                @Override
                public void onClose(WatcherException cause) {}
            });
            client.resource(pod("a", "p1", Map.of("app", "web"))).create();
            client.resource(pod("a", "p2", Map.of("app", "web", "tier", "front")))
                    .create();
            client.resource(pod("a", "p3", Map.of("app", "db"))).create();
            client.resource(pod("b", "p1", Map.of("app", "web"))).create();

            Function<List<Pod>, String> refs = pods ->
                    pods.stream().map(IndexedCrudDispatcherTest::ref).toList().toString();
            out.add("pods in a: "
                    + refs.apply(client.pods().inNamespace("a").list().getItems()));
            out.add("pods everywhere: "
                    + refs.apply(client.pods().inAnyNamespace().list().getItems()));
            out.add("pods app=web in a: "
                    + refs.apply(client.pods()
                            .inNamespace("a")
                            .withLabel("app", "web")
                            .list()
                            .getItems()));
            out.add("pods app!=web in a: "
                    + refs.apply(client.pods()
                            .inNamespace("a")
                            .withoutLabel("app", "web")
                            .list()
                            .getItems()));
            out.add("pods with tier in a: "
                    + refs.apply(client.pods()
                            .inNamespace("a")
                            .withLabel("tier")
                            .list()
                            .getItems()));
            out.add("pods without tier in a: "
                    + refs.apply(client.pods()
                            .inNamespace("a")
                            .withoutLabel("tier")
                            .list()
                            .getItems()));
            out.add("pods metadata.name=p1 everywhere: "
                    + refs.apply(client.pods()
                            .inAnyNamespace()
                            .withField("metadata.name", "p1")
                            .list()
                            .getItems()));
            out.add("configmaps in empty namespace: "
                    + client.configMaps().inNamespace("c").list().getItems().stream()
                            .map(IndexedCrudDispatcherTest::ref)
                            .toList());

            out.add("create twice: "
                    + code(() -> client.resource(pod("a", "p1", Map.of())).create()));
            Pod p1 = client.pods().inNamespace("a").withName("p1").get();
            Pod changed = new PodBuilder(p1)
                    .editMetadata()
                    .addToAnnotations("seen", "yes")
                    .endMetadata()
                    .build();
            Pod updated = client.resource(changed).update();
            Pod stale = new PodBuilder(changed)
                    .editMetadata()
                    .addToAnnotations("seen", "twice")
                    .endMetadata()
                    .build();
            out.add("stale update: " + code(() -> client.resource(stale).update()));
            out.add("resourceVersion grows: "
                    + (Long.parseLong(updated.getMetadata().getResourceVersion())
                            > Long.parseLong(p1.getMetadata().getResourceVersion())));
            // p2 leaves the watch's selector, p4 enters it, p1 is deleted
            Pod p2 = client.pods().inNamespace("a").withName("p2").get();
            p2.getMetadata().getLabels().put("app", "api");
            client.resource(p2).update();
            client.resource(pod("a", "p4", Map.of("app", "web"))).create();
            client.pods().inNamespace("a").withName("p1").delete();

            ProfilingJob job = jobWithStatus(client);
            out.add("status PUT: phase " + job.getStatus().phase + ", spec.duration " + job.getSpec().duration);

            ConfigMap held = client.resource(new ConfigMapBuilder()
                            .withNewMetadata()
                            .withNamespace("a")
                            .withName("held")
                            .addToFinalizers("example.com/hold")
                            .endMetadata()
                            .build())
                    .create();
            client.resource(held).delete();
            ConfigMap marked =
                    client.configMaps().inNamespace("a").withName("held").get();
            out.add("finalized delete: "
                    + (marked == null
                            ? "gone"
                            : "still there, "
                                    + (marked.getMetadata().getDeletionTimestamp() != null
                                            ? "marked for deletion"
                                            : "not marked")));
            marked.getMetadata().setFinalizers(List.of());
            client.resource(marked).update();
            out.add("finalizer removed: "
                    + (client.configMaps().inNamespace("a").withName("held").get() == null ? "gone" : "there"));

            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> events.size() >= 6);
            Thread.sleep(200); // no further event comes
            out.add("watch: " + String.join(", ", events));
            watch.close();
        } finally {
            server.destroy();
        }
        return out;
    }

    /**
     * A job written as the operator writes its status (a PUT to the status subresource with a
     * spec that differs): the status changes, the spec does not.
     */
    private static ProfilingJob jobWithStatus(KubernetesClient client) {
        ProfilingJobSpec spec = Cluster.spec(Mode.GENERAL, Map.of("app", "web"));
        spec.duration = "30s";
        ProfilingJob job = new ProfilingJob();
        job.getMetadata().setNamespace("a");
        job.getMetadata().setName("j");
        job.setSpec(spec);
        ProfilingJob created = client.resource(job).create();
        created.setStatus(new ProfilingJobStatus());
        created.getStatus().phase = Phase.PROFILING;
        created.getSpec().duration = "99s";
        client.resource(created).updateStatus();
        return client.resources(ProfilingJob.class)
                .inNamespace("a")
                .withName("j")
                .get();
    }

    private static Pod pod(String namespace, String name, Map<String, String> labels) {
        return new PodBuilder()
                .withNewMetadata()
                .withNamespace(namespace)
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .build();
    }

    private interface Call {
        void run();
    }

    private static String code(Call call) {
        try {
            call.run();
            return "ok";
        } catch (KubernetesClientException e) {
            return Integer.toString(e.getCode());
        }
    }

    private static String name(HasMetadata object) {
        return object == null ? null : object.getMetadata().getName();
    }

    private static String ref(HasMetadata object) {
        return object.getMetadata().getNamespace() + "/" + object.getMetadata().getName();
    }
}
