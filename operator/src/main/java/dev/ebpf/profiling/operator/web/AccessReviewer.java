package dev.ebpf.profiling.operator.web;

import java.util.List;
import java.util.Map;

/**
 * Asks the API server whether a user may {@code get} ProfilingJobs (a SubjectAccessReview). An
 * interface so tests can run without one: the Fabric8 mock server cannot review access.
 */
public interface AccessReviewer {

    /**
     * @param name a job's name, or null for any job of the namespace
     * @throws RuntimeException when the API server cannot be asked (the caller answers 503)
     */
    boolean mayGetJob(Viewer viewer, String namespace, String name);

    /** Who is asking: as the TokenReview named them. */
    record Viewer(String username, List<String> groups, Map<String, List<String>> extra) {}
}
