package dev.ebpf.profiling.operator;

import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.CustomResourceAware;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.server.mock.Resetable;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.internal.MockDispatcher;
import io.fabric8.mockwebserver.internal.SimpleRequest;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;

/**
 * A Fabric8 mock API server in CRUD mode on the {@link IndexedCrudDispatcher}, as a Quarkus test
 * resource: what {@code @WithKubernetesTestServer(crud = true)} starts, with the indexed store. The
 * operator's client is configured as that annotation configures it; the server is injected into a
 * field {@code @KubernetesTestServer KubernetesMockServer}.
 */
public final class IndexedMockServer implements QuarkusTestResourceLifecycleManager {

    private KubernetesMockServer server;

    /** A started server (plain HTTP, a free port on the loopback address). */
    static KubernetesMockServer startServer() {
        Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
        KubernetesMockServer server = new KubernetesMockServer(
                new io.fabric8.mockwebserver.Context(),
                new MockWebServer(),
                expectations,
                new Mixed(expectations),
                false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        return server;
    }

    @Override
    public Map<String, String> start() {
        server = startServer();
        // The client configuration Quarkus's Kubernetes test server gives the application.
        Map<String, String> config = new HashMap<>();
        config.put("kubernetes.master", server.url("/"));
        config.put("kubernetes.trust.certificates", "true");
        config.put("quarkus.tls.trust-all", "true");
        config.put("kubernetes.auth.tryKubeConfig", "false");
        config.put("kubernetes.auth.tryServiceAccount", "false");
        config.put("kubernetes.namespace", "test");
        config.put("http2.disable", "true");
        config.forEach(System::setProperty);
        return config;
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(
                server,
                new TestInjector.AnnotatedAndMatchesType(KubernetesTestServer.class, KubernetesMockServer.class));
    }

    @Override
    public void stop() {
        if (server != null) {
            server.destroy();
        }
    }

    /**
     * Expectations first (the server's own {@code /} and {@code /version}), then the indexed store:
     * what Fabric8's {@code KubernetesMixedDispatcher} does with the stock store.
     */
    private static final class Mixed extends Dispatcher implements Resetable, CustomResourceAware {
        private final Map<ServerRequest, Queue<ServerResponse>> expectations;
        private final MockDispatcher expected;
        private final IndexedCrudDispatcher store = new IndexedCrudDispatcher();

        Mixed(Map<ServerRequest, Queue<ServerResponse>> expectations) {
            this.expectations = expectations;
            this.expected = new MockDispatcher(expectations);
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            Queue<ServerResponse> queue =
                    expectations.get(new SimpleRequest(HttpMethod.valueOf(request.getMethod()), request.getPath()));
            return queue != null && !queue.isEmpty() ? expected.dispatch(request) : store.dispatch(request);
        }

        @Override
        public void reset() {
            store.reset();
        }

        @Override
        public void expectCustomResource(CustomResourceDefinitionContext context) {
            store.expectCustomResource(context);
        }
    }
}
