package dev.ebpf.profiling.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebpf.profiling.agent.trigger.MetricSource;
import dev.ebpf.profiling.api.job.TriggerMetric;
import dev.ebpf.profiling.api.job.TriggerSpec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The job config's trigger metric becomes the metric the agent reads, named as Events show it. */
class TriggerMetricSourcesTest {

    private static MetricSource of(TriggerMetric metric, Integer cpu) {
        TriggerSpec spec = new TriggerSpec();
        spec.metric = metric;
        spec.cpu = cpu;
        spec.threshold = 50.0;
        return TriggerMetricSources.of(spec, List::<Path>of, 2);
    }

    @Test
    void eachMetricIsNamedAsTheSpecNamesIt() {
        assertThat(of(TriggerMetric.NODE_CPU, null).name()).isEqualTo("node-cpu");
        assertThat(of(TriggerMetric.NODE_SYS, null).name()).isEqualTo("node-sys");
        assertThat(of(TriggerMetric.CPU, 1).name()).isEqualTo("cpu1");
        assertThat(of(TriggerMetric.POD_CPU, null).name()).isEqualTo("pod-cpu");
    }

    @Test
    void aConfigWithoutWhatTheMetricNeedsIsRefusedInOneLine() {
        assertThatThrownBy(() -> of(TriggerMetric.CPU, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("trigger.metric cpu needs trigger.cpu, the CPU to watch");
        assertThatThrownBy(() -> TriggerMetricSources.of(null, List::<Path>of, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a trigger-mode job needs trigger.metric");
    }
}
