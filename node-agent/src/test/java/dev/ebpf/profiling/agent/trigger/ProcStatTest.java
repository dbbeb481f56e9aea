package dev.ebpf.profiling.agent.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ProcStatTest {

    @Test
    void parsesTheNodeLineAndEachCpuLineAndIgnoresTheRest() {
        ProcStat stat = ProcStat.parse(Fixtures.text("proc-stat-before.txt"), "fixture");

        assertThat(stat.node()).isEqualTo(new CpuTimes(10000, 200, 3000, 80000, 1000, 100, 400, 300));
        assertThat(stat.perCpu()).containsOnlyKeys(0, 1);
        assertThat(stat.cpu(1)).contains(new CpuTimes(4000, 100, 1000, 42000, 500, 50, 200, 150));
        assertThat(stat.node().total()).isEqualTo(95000);
        assertThat(stat.node().busy()).isEqualTo(95000 - 80000 - 1000);
    }

    @Test
    void acceptsTheFourColumnsOfOldKernels() {
        ProcStat stat = ProcStat.parse(Fixtures.text("proc-stat-old-kernel.txt"), "fixture");

        assertThat(stat.node()).isEqualTo(new CpuTimes(100, 5, 40, 900, 0, 0, 0, 0));
    }

    @Test
    void aColumnThatIsNotANumberIsNamedWithItsLine() {
        assertThatThrownBy(() -> ProcStat.parse(Fixtures.text("proc-stat-garbled.txt"), "garbled"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("garbled line 1: column 3 of 'cpu' is not a number: 'forty'");
    }

    @Test
    void aFileWithoutTheNodeLineIsRejected() {
        assertThatThrownBy(() -> ProcStat.parse(Fixtures.text("proc-stat-no-node-line.txt"), "x"))
                .hasMessage("x has no node-wide 'cpu' line");
    }

    @Test
    void readsThisMachinesProcStat() {
        ProcStat stat = ProcStat.read(ProcStat.PROC_STAT);

        assertThat(stat.perCpu()).isNotEmpty();
        assertThat(stat.node().total()).isPositive();
    }
}
