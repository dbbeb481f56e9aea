package dev.ebpf.profiling.operator.ingest;

import dev.ebpf.profiling.operator.OperatorConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/** Wires the ingest endpoint; tests replace the {@link TokenReviewer} with a bean of their own. */
public class IngestBeans {

    @Produces
    @DefaultBean
    @Singleton
    TokenReviewer tokenReviewer(KubernetesClient client) {
        return new KubernetesTokenReviewer(client);
    }

    @Produces
    @Singleton
    IngestService ingestService(
            TokenReviewer reviewer,
            KubernetesClient client,
            SliceStore store,
            MeterRegistry registry,
            IngestConfig ingest,
            OperatorConfig operator) {
        IngestAuthenticator authenticator = new IngestAuthenticator(
                reviewer,
                client,
                operator.namespaceOr(client),
                operator.agent().serviceAccount(),
                ingest.tokenCacheTtl(),
                Clock.systemUTC());
        store.metrics(new SliceMetrics(registry, store.budget()));
        return new IngestService(authenticator, client, store, new IngestMetrics(registry), ingest.allowPlainHttp());
    }
}
