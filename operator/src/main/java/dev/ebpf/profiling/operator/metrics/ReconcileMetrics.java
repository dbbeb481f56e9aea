package dev.ebpf.profiling.operator.metrics;

import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * JOSDK's own reconcile metrics, without its per-resource series: quarkus-operator-sdk's default
 * tags every counter and the reconcile-time histogram with each job's name, a few hundred series
 * per job. Here they are per controller: {@code operator_sdk_controllers_execution_reconcile_success_total},
 * {@code ..._failure_total} (by exception) and the {@code operator_sdk_reconciliations_*} counters.
 */
public class ReconcileMetrics {

    @Produces
    @Singleton
    Metrics metrics(MeterRegistry registry) {
        return MicrometerMetrics.withoutPerResourceMetrics(registry);
    }
}
