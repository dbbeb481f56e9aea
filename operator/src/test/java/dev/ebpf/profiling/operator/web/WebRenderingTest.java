package dev.ebpf.profiling.operator.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.job.ProfilingJob;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pages' pieces without a server: empty states, the chart's axis, links and escaping. */
class WebRenderingTest {

    @Test
    void anEmptyClusterAndAJobWithoutSlicesSaySoInsteadOfAnEmptyTable() {
        assertThat(JobListPage.render(List.of()))
                .contains("There are no ProfilingJobs in the cluster.")
                .doesNotContain("<table");

        ProfilingJob job = new ProfilingJob();
        job.getMetadata().setNamespace("ns");
        job.getMetadata().setName("fresh");
        String page = JobPage.render(job, new JobHistory.Results(List.of(), List.of("result ConfigMap x: broken")));
        assertThat(page)
                .contains(
                        "No application CPU to chart yet",
                        "No result ConfigMaps yet",
                        "<p class=\"warn unreadable\">result ConfigMap x: broken</p>",
                        "Mode \u2014, 0 slices kept, each merged over its nodes.")
                .doesNotContain("<svg", "<table");
    }

    @Test
    void theChartsAxisRoundsUpToTensAndNeverStartsBelowTen() {
        assertThat(CpuChart.axisTop(List.of(new CpuSeries("a", List.of(0.0, 0.4)))))
                .isEqualTo(10);
        assertThat(CpuChart.axisTop(List.of(new CpuSeries("a", List.of(12.0)), new CpuSeries("b", List.of(48.7)))))
                .isEqualTo(50);
        assertThat(CpuChart.axisTop(List.of(new CpuSeries("a", List.of(100.0)))))
                .isEqualTo(100);
    }

    @Test
    void linksPercentEncodeEverythingButUnreservedCharacters() {
        assertThat(Links.flameGraph("ns", "job", "20261126T120000Z", "ip-10-0-0-1.ec2.internal", StackSet.OFF_CPU))
                .isEqualTo("/ui/jobs/ns/job/slices/20261126T120000Z/nodes/ip-10-0-0-1.ec2.internal/off-cpu");
        assertThat(Html.segment("a/b?c#d e\u00e9")).isEqualTo("a%2Fb%3Fc%23d%20e%C3%A9");
        assertThat(Html.text("<a href='x'>\"&\u0007")).isEqualTo("&lt;a href=&#39;x&#39;&gt;&quot;&amp;\uFFFD");
        assertThat(Html.text(null)).isEmpty();
    }
}
