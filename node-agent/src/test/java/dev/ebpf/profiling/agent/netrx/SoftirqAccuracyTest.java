package dev.ebpf.profiling.agent.netrx;

import static dev.ebpf.profiling.bpf.BpfContract.NETRX_VEC_NET_RX;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import dev.ebpf.profiling.agent.sampler.NetRxSampler;
import dev.ebpf.profiling.agent.sampler.RawNetRxSlice;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.agent.testsupport.TestTags;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * NET_RX softirq time under an iperf3 loopback load, against two independent accounts of the
 * same window: the kernel's own run counts in /proc/softirqs, and the durations between
 * irq:softirq_entry and _exit recorded by a private ftrace instance.
 */
@Tag(TestTags.BPF)
class SoftirqAccuracyTest {

    private static final Path PROC_SOFTIRQS = Path.of("/proc/softirqs");
    private static final int LOAD_SECONDS = 3;

    @BeforeEach
    void bpfAndIperf3() {
        RequiresRoot.assumeBpf();
        RequiresRoot.require(Files.isExecutable(Path.of("/usr/bin/iperf3")), "needs iperf3 (scripts/install-deps.sh)");
    }

    /** NET_RX runs so far, summed over CPUs, from /proc/softirqs. */
    static long procNetRx() throws IOException {
        for (String line : Files.readAllLines(PROC_SOFTIRQS)) {
            String[] fields = line.strip().split("\\s+");
            if (fields[0].equals("NET_RX:")) {
                long sum = 0;
                for (int i = 1; i < fields.length; i++) {
                    sum += Long.parseLong(fields[i]);
                }
                return sum;
            }
        }
        throw new IllegalStateException("no NET_RX line in " + PROC_SOFTIRQS);
    }

    @Test
    void netRxTimeAndRunsMatchProcSoftirqsAndTheTracepointDurations() throws Exception {
        List<Integer> cpus = OnlineCpus.read().cpus();
        int port = 20_000 + (int) (ProcessHandle.current().pid() % 10_000);
        Process server = new ProcessBuilder("iperf3", "-s", "-1", "-B", "127.0.0.1", "-p", Integer.toString(port))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        try (SoftirqTraceInstance trace = new SoftirqTraceInstance(NETRX_VEC_NET_RX, 32_768);
                NetRxSampler sampler = NetRxSampler.start(new NetRxSampler.Settings(cpus, Set.of()))) {
            Thread.sleep(300); // the server listens
            trace.start();
            long procBefore = procNetRx();
            sampler.cut();
            Process client = new ProcessBuilder(
                            "iperf3",
                            "-c",
                            "127.0.0.1",
                            "-p",
                            Integer.toString(port),
                            "-t",
                            Integer.toString(LOAD_SECONDS),
                            "-b",
                            "2G")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            assertThat(client.waitFor(LOAD_SECONDS + 30, TimeUnit.SECONDS)).isTrue();
            RawNetRxSlice slice = sampler.cut();
            long procRuns = procNetRx() - procBefore;
            trace.stop();
            assertThat(trace.overruns())
                    .as("ftrace dropped events: the comparison would be short")
                    .isZero();
            Map<Integer, long[]> traced = trace.durations();

            long bpfRuns = cpus.stream()
                    .mapToLong(cpu -> slice.softirqRuns(cpu, NETRX_VEC_NET_RX))
                    .sum();
            long bpfNanos = cpus.stream()
                    .mapToLong(cpu -> slice.softirqNanos(cpu, NETRX_VEC_NET_RX))
                    .sum();
            long tracedRuns = traced.values().stream().mapToLong(v -> v[0]).sum();
            long tracedNanos = traced.values().stream().mapToLong(v -> v[1]).sum();
            System.out.printf(
                    "NET_RX over %.2f s: bpf %d runs %.1f ms; /proc/softirqs %d runs; ftrace %d runs %.1f ms%n",
                    slice.durationSeconds(), bpfRuns, bpfNanos / 1e6, procRuns, tracedRuns, tracedNanos / 1e6);
            // A real load, not a few stray packets.
            assertThat(procRuns).isGreaterThan(1_000);
            // All three count the same runs of the same window; the windows differ by the
            // microseconds between reading /proc and cutting, and the machine's own traffic in
            // them: 20% is far beyond that, and far below a miscount (a missed vector, a CPU).
            assertThat((double) bpfRuns).isCloseTo((double) procRuns, Percentage.withPercentage(20));
            assertThat((double) bpfRuns).isCloseTo((double) tracedRuns, Percentage.withPercentage(20));
            // Durations: ftrace stamps in microseconds (rounding cancels over thousands of runs).
            assertThat((double) bpfNanos).isCloseTo((double) tracedNanos, Percentage.withPercentage(20));
        } finally {
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
