package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiServerMetricsTest {

    @Test
    void sumsTheRequestCounterByVerbAndResource() {
        String text = """
                # HELP apiserver_request_total [STABLE] Counter of apiserver requests
                # TYPE apiserver_request_total counter
                apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="configmaps",scope="resource",subresource="",verb="GET",version="v1"} 7
                apiserver_request_total{code="201",component="apiserver",dry_run="",group="",resource="configmaps",scope="resource",subresource="",verb="POST",version="v1"} 3
                apiserver_request_total{code="409",component="apiserver",dry_run="",group="",resource="configmaps",scope="resource",subresource="",verb="POST",version="v1"} 1
                apiserver_request_total{code="200",component="apiserver",dry_run="",group="profiling.ebpf.dev",resource="profilingjobs",scope="resource",subresource="status",verb="PUT",version="v1alpha1"} 2.0
                apiserver_request_duration_seconds_count{verb="GET"} 99
                """;
        Map<String, Long> counts = ApiServerMetrics.parse(text);
        assertThat(counts)
                .containsEntry("GET configmaps", 7L)
                .containsEntry("POST configmaps", 4L)
                .containsEntry("PUT profilingjobs", 2L)
                .hasSize(3);
    }
}
