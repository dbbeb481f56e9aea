package dev.ebpf.profiling.agent.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Percentages from two fixture reads; the expected figures are worked out in proc-stat-after.txt's notes. */
class ProcStatMetricTest {

    @TempDir
    Path temp;

    @Test
    void nodeCpuIsBusyTicksOverAllTicks() {
        assertThat(readTwice(ProcStatMetric.nodeCpu(procStat()))).isCloseTo(78.0, within(1e-9));
    }

    @Test
    void nodeSysIsTheSystemColumnOverAllTicks() {
        assertThat(readTwice(ProcStatMetric.nodeSys(procStat()))).isCloseTo(30.0, within(1e-9));
    }

    @Test
    void oneCpuIsThatCpusBusyShare() {
        assertThat(readTwice(ProcStatMetric.cpu(procStat(), 0))).isCloseTo(100.0, within(1e-9));
        assertThat(readTwice(ProcStatMetric.cpu(procStat(), 1))).isCloseTo(56.0, within(1e-9));
    }

    @Test
    void theFirstReadHasNothingToCompareWith() {
        Path file = procStat();
        Fixtures.install("proc-stat-before.txt", file);

        assertThat(ProcStatMetric.nodeCpu(file).read()).isEmpty();
    }

    @Test
    void noTicksBetweenReadsGiveNoValue() {
        Path file = procStat();
        Fixtures.install("proc-stat-before.txt", file);
        ProcStatMetric metric = ProcStatMetric.nodeCpu(file);
        metric.read();

        assertThat(metric.read()).isEmpty();
    }

    @Test
    void aCpuThatIsNotThereIsAClearError() {
        Path file = procStat();
        Fixtures.install("proc-stat-before.txt", file);

        assertThatThrownBy(() -> ProcStatMetric.cpu(file, 7).read())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("CPU 7 is not in " + file + " (offline or absent); online: [0, 1]");
    }

    @Test
    void metricsAreNamedAsInTheSpec() {
        assertThat(ProcStatMetric.nodeCpu(procStat()).name()).isEqualTo("node-cpu");
        assertThat(ProcStatMetric.nodeSys(procStat()).name()).isEqualTo("node-sys");
        assertThat(ProcStatMetric.cpu(procStat(), 3).name()).isEqualTo("cpu3");
    }

    private Path procStat() {
        return temp.resolve("stat");
    }

    private double readTwice(ProcStatMetric metric) {
        Path file = procStat();
        Fixtures.install("proc-stat-before.txt", file);
        assertThat(metric.read()).isEmpty();
        Fixtures.install("proc-stat-after.txt", file);
        OptionalDouble value = metric.read();
        assertThat(value).isPresent();
        return value.getAsDouble();
    }
}
