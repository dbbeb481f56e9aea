package dev.ebpf.profiling.operator.status;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import dev.ebpf.profiling.api.profile.ProfileJson;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.Optional;

/**
 * The next status of one job, built during one reconcile from the stored one: it holds the old
 * status (conditions included), the job's generation and the reconcile's time, so every condition
 * set through it gets {@code observedGeneration} and keeps its {@code lastTransitionTime} unless its
 * status flips. {@link JobStatusWriter} stores it, and only when it differs from the old one.
 */
public final class JobStatusBuilder {

    private final ProfilingJobStatus old;
    private final ProfilingJobStatus status;
    private final long generation;
    private final Instant now;

    private JobStatusBuilder(ProfilingJobStatus old, long generation, Instant now) {
        this.old = old;
        this.status = copy(old);
        this.generation = generation;
        this.now = now;
        this.status.observedGeneration = generation;
    }

    /** Starts from the job's stored status (read from the API server, not a cache that may lag). */
    public static JobStatusBuilder of(ProfilingJob job, Instant now) {
        ProfilingJobStatus old = job.getStatus() == null ? new ProfilingJobStatus() : job.getStatus();
        long generation = Optional.ofNullable(job.getMetadata().getGeneration()).orElse(0L);
        return new JobStatusBuilder(old, generation, now);
    }

    /** The stored status, as it was before this reconcile. */
    public ProfilingJobStatus old() {
        return old;
    }

    /** The status being built. */
    public ProfilingJobStatus status() {
        return status;
    }

    public long generation() {
        return generation;
    }

    public Instant now() {
        return now;
    }

    public JobStatusBuilder condition(String type, boolean value, String reason, String message) {
        Conditions.set(status.conditions, type, value, reason, message, generation, now);
        return this;
    }

    public JobStatusBuilder removeCondition(String type) {
        Conditions.remove(status.conditions, type);
        return this;
    }

    public Optional<Condition> oldCondition(String type) {
        return Conditions.find(old.conditions, type);
    }

    /**
     * True when the stored status did not already have this condition with this status and reason:
     * the moment to record a Warning (once per transition, not once per reconcile).
     */
    public boolean isNewCondition(String type, boolean value, String reason) {
        String wanted = value ? "True" : "False";
        return oldCondition(type)
                .filter(c -> wanted.equals(c.getStatus()) && reason.equals(c.getReason()))
                .isEmpty();
    }

    public boolean changed() {
        return !tree(status).equals(tree(old));
    }

    private static ProfilingJobStatus copy(ProfilingJobStatus status) {
        return ProfileJson.mapper().convertValue(status, ProfilingJobStatus.class);
    }

    private static JsonNode tree(ProfilingJobStatus status) {
        return ProfileJson.mapper().valueToTree(status);
    }
}
