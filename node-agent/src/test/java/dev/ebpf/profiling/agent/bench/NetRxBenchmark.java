package dev.ebpf.profiling.agent.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.management.OperatingSystemMXBean;
import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import dev.ebpf.profiling.agent.sampler.NetRxSampler;
import dev.ebpf.profiling.agent.sampler.OnCpuSampler;
import dev.ebpf.profiling.agent.sampler.RawNetRxSlice;
import dev.ebpf.profiling.agent.testsupport.TestTags;
import dev.ebpf.profiling.api.profile.ProfileJson;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;

/**
 * What the net-rx profiler costs at about 100,000 UDP packets a second on loopback (iperf3, 64-byte
 * datagrams, one read per packet), beside the agent without it, in one run: phase A runs the
 * on-CPU sampler alone, phase B the on-CPU and net-rx samplers, under the same load. Reported: the
 * JVM's CPU in each phase, and the net-rx programs' own run time from the kernel's BPF statistics
 * ({@code kernel.bpf_stats_enabled}, read through bpftool), per run and per packet received. Run as
 * root: {@code scripts/bench-net-rx.sh [seconds-per-phase] [packets-per-second]} (surefire runs
 * {@link #benchmark()} when {@code -Dnetrx.benchmark=true}; the class name keeps it out of the normal
 * test run).
 */
@Tag(TestTags.BPF)
public final class NetRxBenchmark {

    /** The entry point under surefire. */
    @org.junit.jupiter.api.Test
    @org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "netrx.benchmark", matches = "true")
    void benchmark() throws Exception {
        dev.ebpf.profiling.agent.testsupport.RequiresRoot.assumeBpf();
        main(new String[] {System.getProperty("netrx.seconds", "20"), System.getProperty("netrx.pps", "100000")});
    }

    private static final OperatingSystemMXBean OS =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final Path BPF_STATS = Path.of("/proc/sys/kernel/bpf_stats_enabled");
    private static final int DATAGRAM_BYTES = 64;
    private static final int PORT = 5299;

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int packetsPerSecond = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        List<Integer> cpus = OnlineCpus.read().cpus();
        Process server = new ProcessBuilder("iperf3", "-s", "-B", "127.0.0.1", "-p", Integer.toString(PORT))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        Thread.sleep(500);
        long bits = (long) packetsPerSecond * DATAGRAM_BYTES * 8;
        Process client = new ProcessBuilder(
                        "iperf3",
                        "-c",
                        "127.0.0.1",
                        "-p",
                        Integer.toString(PORT),
                        "-u",
                        "-b",
                        Long.toString(bits),
                        "-l",
                        Integer.toString(DATAGRAM_BYTES),
                        "-t",
                        Integer.toString(2 * seconds + 10))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        String statsBefore = Files.readString(BPF_STATS).strip();
        Files.writeString(BPF_STATS, "1");
        try {
            Thread.sleep(3_000); // the load settles
            try (OnCpuSampler onCpu = OnCpuSampler.start(OnCpuSampler.Settings.of(cpus, 99, Set.of()))) {
                onCpu.cut();
                long udpBefore = udpInDatagrams();
                long started = System.nanoTime();
                long cpuStarted = OS.getProcessCpuTime();
                Thread.sleep(seconds * 1000L);
                onCpu.cut();
                double wall = (System.nanoTime() - started) / 1e9;
                System.out.printf(
                        "A  on-CPU only:    %.0f UDP packets/s received, agent (whole JVM) %.2f%% of one CPU%n",
                        (udpInDatagrams() - udpBefore) / wall,
                        (OS.getProcessCpuTime() - cpuStarted) / 1e9 / wall * 100);

                try (NetRxSampler netRx = NetRxSampler.start(new NetRxSampler.Settings(cpus, Set.of()))) {
                    netRx.cut();
                    onCpu.cut();
                    Thread.sleep(1_000);
                    Map<String, long[]> bpfBefore = bpfStats();
                    udpBefore = udpInDatagrams();
                    started = System.nanoTime();
                    cpuStarted = OS.getProcessCpuTime();
                    Thread.sleep(seconds * 1000L);
                    RawNetRxSlice slice = netRx.cut();
                    onCpu.cut();
                    wall = (System.nanoTime() - started) / 1e9;
                    long packets = udpInDatagrams() - udpBefore;
                    double agent = (OS.getProcessCpuTime() - cpuStarted) / 1e9 / wall * 100;
                    Map<String, long[]> bpfAfter = bpfStats();
                    System.out.printf(
                            "B  on-CPU + net-rx: %.0f UDP packets/s received, agent (whole JVM) %.2f%% of one CPU;"
                                    + " slice: %d reads timed, %d apps, %d sockets, lost %d%n",
                            packets / wall,
                            agent,
                            slice.counters().reads(),
                            slice.applications().size(),
                            slice.socketWaits().size(),
                            slice.counters().lostTotal());
                    long totalNanos = 0;
                    for (var entry : bpfAfter.entrySet()) {
                        long[] before = bpfBefore.getOrDefault(entry.getKey(), new long[2]);
                        long runNanos = entry.getValue()[0] - before[0];
                        long runs = entry.getValue()[1] - before[1];
                        totalNanos += runNanos;
                        System.out.printf(
                                "   BPF %-16s %9d runs/s, %5.0f ns per run%n",
                                entry.getKey(), Math.round(runs / wall), runs == 0 ? 0.0 : (double) runNanos / runs);
                    }
                    System.out.printf(
                            "   BPF net-rx total: %.0f ns per packet received, %.2f%% of one CPU%n",
                            packets == 0 ? 0.0 : (double) totalNanos / packets, totalNanos / 1e9 / wall * 100);
                }
            }
        } finally {
            Files.writeString(BPF_STATS, statsBefore);
            client.destroy();
            server.destroy();
        }
    }

    /** UDP datagrams delivered to sockets since boot ("Udp: ... InDatagrams" of /proc/net/snmp). */
    private static long udpInDatagrams() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/net/snmp"));
        for (int i = 0; i + 1 < lines.size(); i++) {
            if (lines.get(i).startsWith("Udp:") && lines.get(i + 1).startsWith("Udp:")) {
                List<String> names = List.of(lines.get(i).split("\\s+"));
                return Long.parseLong(lines.get(i + 1).split("\\s+")[names.indexOf("InDatagrams")]);
            }
        }
        throw new IllegalStateException("/proc/net/snmp has no Udp lines");
    }

    /** run_time_ns and run_cnt of each loaded net-rx program (their names start with net_rx_). */
    private static Map<String, long[]> bpfStats() throws IOException, InterruptedException {
        Process bpftool = new ProcessBuilder("bpftool", "-j", "prog", "show").start();
        byte[] json = bpftool.getInputStream().readAllBytes();
        if (bpftool.waitFor() != 0) {
            throw new IllegalStateException("bpftool prog show failed");
        }
        TreeMap<String, long[]> stats = new TreeMap<>();
        for (JsonNode prog : ProfileJson.mapper().readTree(json)) {
            String name = prog.path("name").asText();
            if (name.startsWith("net_rx_")) {
                long[] sum = stats.computeIfAbsent(name, n -> new long[2]);
                sum[0] += prog.path("run_time_ns").asLong();
                sum[1] += prog.path("run_cnt").asLong();
            }
        }
        return stats;
    }
}
