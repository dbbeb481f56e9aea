package dev.ebpf.profiling.operator.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code ebpf_profiler_ingest_reports_total{kind, result}}: reports by kind ({@code slice},
 * {@code trigger-state}) and outcome ({@code accepted} or the refusal's reason, such as
 * {@code invalidToken}, {@code otherNode}, {@code jobNotAccepted}, {@code malformed}). The reasons
 * are a fixed set, so the series stay few.
 */
public final class IngestMetrics {

    static final String NAME = "ebpf.profiler.ingest.reports";
    public static final String ACCEPTED = "accepted";

    private final MeterRegistry registry;
    /** The counters by kind and result: looked up once, not built and registered again at every report. */
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void count(String kind, String result) {
        counters.computeIfAbsent(
                        kind + " " + result,
                        key -> Counter.builder(NAME)
                                .description(
                                        "Reports pushed by node agents, by kind and outcome (accepted or why refused)")
                                .tag("kind", kind)
                                .tag("result", result)
                                .register(registry))
                .increment();
    }
}
