package dev.ebpf.profiling.operator.web;

import dev.ebpf.profiling.api.job.ProfilingJob;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/** The real {@link AccessReviewer}: a SubjectAccessReview created through the operator's client (RBAC: create subjectaccessreviews). */
public final class KubernetesAccessReviewer implements AccessReviewer {

    private static final String GROUP = HasMetadata.getGroup(ProfilingJob.class);
    private static final String RESOURCE = HasMetadata.getPlural(ProfilingJob.class);

    private final KubernetesClient client;

    public KubernetesAccessReviewer(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public boolean mayGetJob(Viewer viewer, String namespace, String name) {
        SubjectAccessReview review = client.resource(new SubjectAccessReviewBuilder()
                        .withNewSpec()
                        .withUser(viewer.username())
                        .withGroups(viewer.groups())
                        .withExtra(viewer.extra())
                        .withNewResourceAttributes()
                        .withGroup(GROUP)
                        .withResource(RESOURCE)
                        .withVerb("get")
                        .withNamespace(namespace)
                        .withName(name)
                        .endResourceAttributes()
                        .endSpec()
                        .build())
                .create();
        return review.getStatus() != null
                && Boolean.TRUE.equals(review.getStatus().getAllowed());
    }
}
