package dev.ebpf.profiling.operator.metrics;

import dev.ebpf.profiling.api.job.Phase;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.profile.ProfileJson;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.RegisteredController;
import io.javaoperatorsdk.operator.processing.Controller;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Provider;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The jobs-by-state gauge, {@code ebpf_profiler_jobs{phase="..."}}: how many ProfilingJobs the
 * operator sees in each phase, counted at scrape time from the reconciler's own informer cache (no
 * API-server request). A job the operator has not yet given a phase is in none of them. Before the
 * operator has started, every phase reads NaN.
 *
 * <p>The reconcile counters are JOSDK's own (quarkus-operator-sdk installs its Micrometer metrics
 * when Micrometer is present): {@code operator_sdk_controllers_execution_reconcile_success_total},
 * {@code ..._failure_total} and {@code operator_sdk_reconciliations_failed_total}; nothing here
 * counts them a second time.
 */
@Singleton
public class JobPhaseGauges implements MeterBinder {

    static final String NAME = "ebpf.profiler.jobs";

    // A Provider, looked up at scrape time: binding the gauges need not wait for the operator, whose
    // own (JOSDK) metrics are built on the same registry.
    private final Provider<Operator> operator;

    private final List<Meter> registered = new ArrayList<>();
    private MeterRegistry registry;

    public JobPhaseGauges(Provider<Operator> operator) {
        this.operator = operator;
    }

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        this.registry = registry;
        for (Phase phase : Phase.values()) {
            registered.add(Gauge.builder(NAME, this, gauges -> gauges.count(phase))
                    .description("ProfilingJobs by phase, as the operator sees them")
                    .tag("phase", label(phase))
                    .register(registry));
        }
    }

    /**
     * The registry Quarkus binds to is Micrometer's global one, which can outlive this application
     * (a restart in the same JVM, as between test classes); a gauge left there would go on reading
     * a stopped operator, and registering again would return it instead of a new one.
     */
    @PreDestroy
    synchronized void unbind() {
        if (registry != null) {
            registered.forEach(registry::remove);
            registered.clear();
        }
    }

    /** The phase as the job's status and the STATUS column spell it ("Invalid", "Scheduled", ...). */
    static String label(Phase phase) {
        return ProfileJson.mapper().convertValue(phase, String.class);
    }

    private double count(Phase phase) {
        return jobs().map(all -> (double) all.filter(job -> job.getStatus() != null && job.getStatus().phase == phase)
                        .count())
                .orElse(Double.NaN);
    }

    @SuppressWarnings("unchecked")
    private Optional<Stream<ProfilingJob>> jobs() {
        for (RegisteredController<?> candidate : operator.get().getRegisteredControllers()) {
            if (candidate.getConfiguration().getResourceClass() == ProfilingJob.class
                    && candidate instanceof Controller<?> controller
                    && controller.eventSourceContext() != null) {
                try {
                    return Optional.of(((Controller<ProfilingJob>) controller)
                            .eventSourceContext()
                            .getPrimaryCache()
                            .list());
                } catch (RuntimeException notStarted) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }
}
