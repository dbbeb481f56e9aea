package dev.ebpf.profiling.agent.metrics;

import static dev.ebpf.profiling.agent.metrics.MetricsSlices.EVENT;
import static dev.ebpf.profiling.agent.metrics.MetricsSlices.NODE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ebpf.profiling.api.profile.ApplicationUsage;
import dev.ebpf.profiling.api.profile.LostSamples;
import dev.ebpf.profiling.api.profile.NodeProfile;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the agent records comes out of a real scrape of /metrics with the right names, labels and values. */
class AgentMetricsTest {

    private static final String SAMPLES = "ebpf_profiler_samples_total";
    private static final String LOST = "ebpf_profiler_lost_samples_total";
    private static final String DRAIN = "ebpf_profiler_slice_drain_seconds";
    private static final String SYMBOLIZE = "ebpf_profiler_symbolize_seconds";
    private static final String CPU = "ebpf_profiler_application_cpu_percent";
    private static final double PRECISION = 1e-9;

    private final AgentMetrics metrics = new AgentMetrics(NODE);
    private MetricsEndpoint endpoint;

    @BeforeEach
    void start() {
        endpoint = Scrapes.start(metrics);
    }

    @AfterEach
    void stop() {
        endpoint.close();
    }

    @Test
    void samplesAndLostSamplesAddUpOverSlicesByNodeEventAndCause() throws Exception {
        metrics.sliceCollected(MetricsSlices.first(), Duration.ofMillis(3), Duration.ofMillis(120));
        metrics.sliceCollected(MetricsSlices.second(), Duration.ofMillis(7), Duration.ofMillis(80));

        PrometheusText scrape = Scrapes.scrape(endpoint);
        assertThat(scrape.named(SAMPLES)).hasSize(1);
        assertThat(scrape.value(SAMPLES, Map.of("node", NODE, "event", EVENT))).isEqualTo(1980 + 1500);
        assertThat(scrape.value(LOST, Map.of("node", NODE, "event", EVENT, "cause", "count_map_full")))
                .isEqualTo(1);
        assertThat(scrape.value(LOST, Map.of("node", NODE, "event", EVENT, "cause", "kernel_stack_failed")))
                .isEqualTo(4);
        assertThat(scrape.value(LOST, Map.of("node", NODE, "event", EVENT, "cause", "user_stack_failed")))
                .isEqualTo(2 + 5);
        double lostTotal =
                scrape.named(LOST).stream().mapToDouble(ScrapedSample::value).sum();
        assertThat(lostTotal).isEqualTo((double)
                (MetricsSlices.first().lostSamples() + MetricsSlices.second().lostSamples()));
    }

    @Test
    void aProfileWithoutTheLossBreakdownCountsItsTotalAsUnknown() throws Exception {
        NodeProfile first = MetricsSlices.first();
        NodeProfile withoutBreakdown = new NodeProfile(
                NODE, EVENT, 99, first.cpus(), first.start(), first.end(), 10.0, 100, 6, null, List.of());
        metrics.sliceCollected(withoutBreakdown, Duration.ZERO, Duration.ZERO);

        PrometheusText scrape = Scrapes.scrape(endpoint);
        assertThat(scrape.value(LOST, Map.of("cause", "unknown"))).isEqualTo(6);
        assertThat(scrape.named(LOST)).hasSize(1);
    }

    @Test
    void drainAndSymbolizationTimesAreHistogramsInSeconds() throws Exception {
        metrics.sliceCollected(MetricsSlices.first(), Duration.ofMillis(3), Duration.ofMillis(120));
        metrics.sliceCollected(MetricsSlices.second(), Duration.ofMillis(7), Duration.ofSeconds(40));

        PrometheusText scrape = Scrapes.scrape(endpoint);
        Map<String, String> node = Map.of("node", NODE);
        assertThat(scrape.value(DRAIN + "_count", node)).isEqualTo(2);
        assertThat(scrape.value(DRAIN + "_sum", node)).isCloseTo(0.010, within(PRECISION));
        assertThat(scrape.value(DRAIN + "_bucket", Map.of("node", NODE, "le", "0.005")))
                .isEqualTo(1);
        assertThat(scrape.value(DRAIN + "_bucket", Map.of("node", NODE, "le", "0.01")))
                .isEqualTo(2);
        assertThat(scrape.value(SYMBOLIZE + "_count", node)).isEqualTo(2);
        assertThat(scrape.value(SYMBOLIZE + "_sum", node)).isCloseTo(40.12, within(PRECISION));
        assertThat(scrape.value(SYMBOLIZE + "_bucket", Map.of("node", NODE, "le", "30.0")))
                .isEqualTo(1);
        assertThat(scrape.value(SYMBOLIZE + "_bucket", Map.of("node", NODE, "le", "+Inf")))
                .isEqualTo(2);
    }

    @Test
    void applicationCpuShowsTheNewestTopListWithPodLabelsAndDropsApplicationsThatLeftIt() throws Exception {
        metrics.sliceCollected(MetricsSlices.first(), Duration.ZERO, Duration.ZERO);
        PrometheusText afterFirst = Scrapes.scrape(endpoint);
        assertThat(afterFirst.named(CPU))
                .extracting(sample -> sample.labels().get("application"))
                .containsExactlyInAnyOrder(MetricsSlices.NGINX_APP, MetricsSlices.UNNAMED_APP, MetricsSlices.CRON_APP);
        assertThat(afterFirst.value(
                        CPU,
                        Map.of("application", MetricsSlices.CRON_APP, "namespace", "", "pod", "", "container", "")))
                .isEqualTo(12.12);
        assertThat(afterFirst.value(CPU, Map.of("application", MetricsSlices.UNNAMED_APP, "pod", "")))
                .isEqualTo(20.2);

        metrics.sliceCollected(MetricsSlices.second(), Duration.ZERO, Duration.ZERO);
        PrometheusText afterSecond = Scrapes.scrape(endpoint);
        assertThat(afterSecond.named(CPU))
                .extracting(sample -> sample.labels().get("application"))
                .containsExactlyInAnyOrder(MetricsSlices.REDIS_APP, MetricsSlices.NGINX_APP, MetricsSlices.UNNAMED_APP);
        assertThat(afterSecond.value(
                        CPU,
                        Map.of(
                                "node",
                                NODE,
                                "application",
                                MetricsSlices.NGINX_APP,
                                "namespace",
                                "web",
                                "pod",
                                "nginx-7d9f-x2",
                                "container",
                                "nginx")))
                .isEqualTo(25.25);
        assertThat(afterSecond.value(CPU, Map.of("namespace", "cache", "pod", "redis-0", "container", "redis")))
                .isEqualTo(35.35);
        assertThat(afterSecond.named(CPU))
                .allSatisfy(sample -> assertThat(sample.labels()).containsOnlyKeys(ApplicationCpu.LABELS));
    }

    @Test
    void theSeriesCountStaysAtTheTopListSizeWhileApplicationsComeAndGo() throws Exception {
        int top = 3;
        for (int slice = 0; slice < 20; slice++) {
            List<ApplicationUsage> apps = new ArrayList<>();
            for (int rank = 1; rank <= top; rank++) {
                apps.add(new ApplicationUsage(rank, "worker-" + (slice + rank), null, null, List.of(rank), 10, 5.0));
            }
            metrics.sliceCollected(
                    MetricsSlices.profile(NODE, slice, 30, LostSamples.NONE, apps), Duration.ZERO, Duration.ZERO);
        }
        PrometheusText scrape = Scrapes.scrape(endpoint);
        assertThat(scrape.named(CPU))
                .extracting(sample -> sample.labels().get("application"))
                .containsExactlyInAnyOrder("worker-20", "worker-21", "worker-22");
    }

    @Test
    void aNodesSliceReplacesOnlyThatNodesApplications() throws Exception {
        metrics.sliceCollected(MetricsSlices.first(), Duration.ZERO, Duration.ZERO);
        NodeProfile otherNode = MetricsSlices.profile(
                "node-2",
                0,
                99,
                LostSamples.NONE,
                List.of(MetricsSlices.app(1, MetricsSlices.REDIS_APP, MetricsSlices.REDIS, 99, 5.0)));
        metrics.sliceCollected(otherNode, Duration.ZERO, Duration.ZERO);

        PrometheusText scrape = Scrapes.scrape(endpoint);
        assertThat(scrape.named(CPU).stream().filter(s -> s.labels().get("node").equals(NODE)))
                .hasSize(3);
        assertThat(scrape.value(CPU, Map.of("node", "node-2"))).isEqualTo(5.0);
        assertThat(scrape.value(SAMPLES, Map.of("node", "node-2"))).isEqualTo(99);
    }

    @Test
    void triggersFiredCountByMetricAndUploadsPendingIsTheLatestValue() throws Exception {
        metrics.triggerFired("node-sys");
        metrics.triggerFired("node-sys");
        metrics.triggerFired("cpu3");
        metrics.uploadsPending(4);
        metrics.uploadsPending(2);

        PrometheusText scrape = Scrapes.scrape(endpoint);
        assertThat(scrape.value("ebpf_profiler_triggers_fired_total", Map.of("node", NODE, "metric", "node-sys")))
                .isEqualTo(2);
        assertThat(scrape.value("ebpf_profiler_triggers_fired_total", Map.of("node", NODE, "metric", "cpu3")))
                .isEqualTo(1);
        assertThat(scrape.value("ebpf_profiler_uploads_pending", Map.of("node", NODE)))
                .isEqualTo(2);
    }

    @Test
    void everyMetricNameCarriesThePrefix() throws Exception {
        metrics.sliceCollected(MetricsSlices.first(), Duration.ofMillis(1), Duration.ofMillis(1));
        metrics.triggerFired("node-cpu");
        metrics.uploadsPending(0);
        assertThat(Scrapes.scrape(endpoint).names())
                .isNotEmpty()
                .allSatisfy(name -> assertThat(name).startsWith(AgentMetrics.PREFIX));
    }
}
