package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.api.ingest.JobKey;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether the operator accepted a ProfilingJob: the agent acts on a job only when its status says
 * {@code Ready=True} for the spec as it is now ({@code status.observedGeneration ==
 * metadata.generation}). Tenants own the spec, but only the operator writes the status, so a spec
 * edit is not obeyed until the operator has validated it again.
 */
public final class JobAcceptance {

    private JobAcceptance() {}

    public static boolean accepted(ProfilingJob job) {
        if (job.getMetadata() == null || job.getStatus() == null) {
            return false;
        }
        Long generation = job.getMetadata().getGeneration();
        ProfilingJobStatus status = job.getStatus();
        if (generation == null || !Objects.equals(status.observedGeneration, generation)) {
            return false;
        }
        return ready(job).map(c -> "True".equals(c.getStatus())).orElse(false);
    }

    /** The job as it is reported: namespace, name, uid and generation. */
    public static JobKey key(ProfilingJob job) {
        Long generation = job.getMetadata().getGeneration();
        return new JobKey(
                job.getMetadata().getNamespace(),
                job.getMetadata().getName(),
                job.getMetadata().getUid(),
                generation == null ? 0 : generation);
    }

    /** When the Ready condition last changed, if the operator said. */
    static Instant acceptedAt(ProfilingJob job) {
        return ready(job)
                .map(Condition::getLastTransitionTime)
                .flatMap(time -> {
                    try {
                        return Optional.of(Instant.parse(time));
                    } catch (DateTimeParseException e) {
                        return Optional.empty();
                    }
                })
                .orElse(null);
    }

    private static Optional<Condition> ready(ProfilingJob job) {
        if (job.getStatus() == null || job.getStatus().conditions == null) {
            return Optional.empty();
        }
        return job.getStatus().conditions.stream()
                .filter(c -> ProfilingJobStatus.READY.equals(c.getType()))
                .findFirst();
    }
}
