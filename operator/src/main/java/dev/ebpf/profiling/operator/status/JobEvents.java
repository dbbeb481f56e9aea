package dev.ebpf.profiling.operator.status;

import dev.ebpf.profiling.api.job.ProfilingJob;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Records Events on a job, as {@code kubectl describe} shows them. The reconciler emits an event
 * only on a change it can see in the status (new nodes, a new slice, a new refusal), so an operator
 * restart does not repeat them.
 */
public final class JobEvents {

    public static final String NORMAL = "Normal";
    public static final String WARNING = "Warning";
    private static final String COMPONENT = "ebpf-profiler-operator";

    private final KubernetesClient client;

    public JobEvents(KubernetesClient client) {
        this.client = client;
    }

    /** Collects the Events of one reconcile for one job. */
    public Pending pending(ProfilingJob job) {
        return new Pending(job);
    }

    /**
     * Events decided during a reconcile, recorded only after the status that reflects them is
     * stored: a reconcile whose status write fails is retried and decides them again.
     */
    public final class Pending {
        private record Event(String type, String reason, String message) {}

        private final ProfilingJob job;
        private final List<Event> events = new ArrayList<>();

        private Pending(ProfilingJob job) {
            this.job = job;
        }

        public void normal(String reason, String message) {
            events.add(new Event(NORMAL, reason, message));
        }

        public void warning(String reason, String message) {
            events.add(new Event(WARNING, reason, message));
        }

        public void record() {
            events.forEach(e -> JobEvents.this.record(job, e.type(), e.reason(), e.message()));
            events.clear();
        }
    }

    /** Records one Event on the job now (the reconciler's go through {@link Pending}). */
    public void record(ProfilingJob job, String type, String reason, String message) {
        String now = Instant.now().toString();
        String namespace = job.getMetadata().getNamespace();
        client.v1()
                .events()
                .inNamespace(namespace)
                .resource(new EventBuilder()
                        .withNewMetadata()
                        .withNamespace(namespace)
                        .withName(job.getMetadata().getName() + "."
                                + UUID.randomUUID().toString().substring(0, 13))
                        .endMetadata()
                        .withInvolvedObject(new ObjectReferenceBuilder()
                                .withApiVersion(job.getApiVersion())
                                .withKind(job.getKind())
                                .withName(job.getMetadata().getName())
                                .withNamespace(namespace)
                                .withUid(job.getMetadata().getUid())
                                .withResourceVersion(job.getMetadata().getResourceVersion())
                                .build())
                        .withType(type)
                        .withReason(reason)
                        .withMessage(Conditions.capped(message))
                        .withFirstTimestamp(now)
                        .withLastTimestamp(now)
                        .withCount(1)
                        .withNewSource()
                        .withComponent(COMPONENT)
                        .endSource()
                        .build())
                .create();
    }
}
