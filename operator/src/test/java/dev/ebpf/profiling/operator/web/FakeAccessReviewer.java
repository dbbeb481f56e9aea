package dev.ebpf.profiling.operator.web;

import jakarta.inject.Singleton;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The tests' {@link AccessReviewer}: the Fabric8 mock API server cannot run a SubjectAccessReview,
 * so this bean replaces the real one in every {@code @QuarkusTest}. User {@link #ADMIN} may get
 * every job; another user only the namespaces (or {@code namespace/job}) a test granted them.
 */
@Singleton
public class FakeAccessReviewer implements AccessReviewer {

    public static final String ADMIN = "admin";

    private static final Map<String, Set<String>> GRANTS = new ConcurrentHashMap<>();
    private static final AtomicInteger REVIEWS = new AtomicInteger();

    /** Lets {@code user} get the jobs of {@code namespace}, or only job {@code namespace/name} when given. */
    public static void grant(String user, String namespaceOrJob) {
        GRANTS.computeIfAbsent(user, u -> ConcurrentHashMap.newKeySet()).add(namespaceOrJob);
    }

    /** Reviews asked since the tests started (the cache keeps repeats away). */
    public static int reviews() {
        return REVIEWS.get();
    }

    @Override
    public boolean mayGetJob(Viewer viewer, String namespace, String name) {
        REVIEWS.incrementAndGet();
        if (ADMIN.equals(viewer.username())) {
            return true;
        }
        Set<String> granted = GRANTS.getOrDefault(viewer.username(), Set.of());
        return name == null ? granted.contains(namespace) : granted.contains(namespace + "/" + name);
    }
}
