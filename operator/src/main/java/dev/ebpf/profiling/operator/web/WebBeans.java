package dev.ebpf.profiling.operator.web;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Wires the web view's access checks; tests replace the {@link AccessReviewer} with a bean of their own. */
public class WebBeans {

    @Produces
    @DefaultBean
    @Singleton
    AccessReviewer accessReviewer(KubernetesClient client) {
        return new KubernetesAccessReviewer(client);
    }
}
