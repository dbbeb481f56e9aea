package dev.ebpf.profiling.agent.output;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.profile.DelayBucket;
import dev.ebpf.profiling.api.profile.Frame;
import dev.ebpf.profiling.api.profile.LateRead;
import dev.ebpf.profiling.api.profile.NetRxApplication;
import dev.ebpf.profiling.api.profile.NetRxProfile;
import dev.ebpf.profiling.api.profile.OffCpuHotspot;
import dev.ebpf.profiling.api.profile.QueueDelay;
import dev.ebpf.profiling.api.profile.SoftirqCpu;
import dev.ebpf.profiling.api.profile.WorstSocket;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The NET-RX section of the table format. */
class NetRxTableTest {

    @Test
    void showsEachApplicationsDelaysSocketsLateReadsAndTheCpusSoftirqTime() {
        QueueDelay delay = QueueDelay.of(List.of(new DelayBucket(32.768, 65.536, 60)), 56.0, 60 * 50.0);
        Frame sleep = new Frame("do_nanosleep", "vmlinux", Frame.Origin.KERNEL, null);
        NetRxProfile netRx = new NetRxProfile(
                List.of(new NetRxApplication(
                        1,
                        "pod web/web-1 (nginx)",
                        null,
                        List.of(42),
                        120,
                        61_440,
                        delay,
                        List.of(new WorstSocket("tcp", "10.0.0.5:8080", "10.0.0.7:40000", 60, 61_440, 56.0, 50.0)),
                        List.of(new LateRead(
                                "10.0.0.5:8080",
                                56.0,
                                43,
                                LateRead.OFF_CPU,
                                "sleep",
                                1,
                                2,
                                97,
                                List.of(),
                                List.of(new OffCpuHotspot(
                                        "pod web/web-1 (nginx)", 2.9, 100, "sleep", List.of(sleep))))))),
                List.of(new SoftirqCpu(
                        null,
                        3,
                        40.0,
                        400,
                        1000,
                        0.5,
                        5,
                        20,
                        900,
                        2.5,
                        List.of(new SoftirqCpu.Interrupted("pod web/web-1 (nginx)", 300, 30.0)))),
                new NetRxProfile.Lost(0, 2, 0, 0));
        StringBuilder out = new StringBuilder();

        TableFormatter.appendNetRx(netRx, out);

        String table = out.toString();
        assertThat(table).contains("NET-RX (queue delay: data ready -> read)");
        assertThat(table)
                .containsPattern(
                        "1\\s+pod web/web-1 \\(nginx\\)\\s+\\d+\\.\\d{3}\\s+\\d+\\.\\d{3}\\s+56\\.000\\s+120\\s+61440");
        assertThat(table).contains("  tcp 10.0.0.5:8080 <- 10.0.0.7:40000  max 56.000 ms  mean 50.000 ms  60 reads");
        assertThat(table)
                .contains(
                        "  late 56.000 ms on 10.0.0.5:8080 (tid 43): off-cpu (sleep)  [on CPU 1%, runnable 2%, blocked 97%]")
                .contains("    blocked in do_nanosleep");
        assertThat(table)
                .containsPattern("3\\s+40\\.0\\s+1000\\s+0\\.5\\s+20\\s+2\\.5  pod web/web-1 \\(nginx\\) 30\\.0%");
        assertThat(table).contains("net-rx lost (maps full): 2 reads, 0 socket waits, 0 softirq runs");
    }

    @Test
    void withoutNetRxThereIsNoSection() {
        StringBuilder out = new StringBuilder();
        TableFormatter.appendNetRx(null, out);
        assertThat(out).isEmpty();
    }
}
