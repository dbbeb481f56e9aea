package dev.ebpf.profiling.agent.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebpf.profiling.api.profile.ProfileJson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * What the net-rx profiler costs at 100,000 UDP packets a second on loopback, beside the same
 * agent command without it, in one run. The load is {@code bench/udp_load.c}: a sender that wakes
 * every millisecond under SCHED_FIFO and sends with {@code sendmmsg} every 64-byte datagram owed
 * since its start, and a SCHED_FIFO receiver reading with {@code recvmmsg} (one
 * {@code sock:sock_recv_length} per datagram), so the rate holds on a busy machine. Under that one
 * load the real CLI ({@code node-agent/bin/node-agent profile}) runs in turn as {@code profile},
 * {@code profile --off-cpu} and {@code profile --net-rx} (which brings the off-CPU sampler along),
 * each measured for a window once it has started (its programs attached), then stopped. Reported per window: the packets received
 * ({@code /proc/net/snmp} {@code Udp: InDatagrams}, and the receive buffer drops), the agent's CPU
 * (utime + stime of its JVM from {@code /proc/PID/stat}), and with net-rx the run time of each of the
 * agent's net-rx programs from the kernel's BPF statistics ({@code kernel.bpf_stats_enabled}, read
 * through bpftool), per run and summed per packet received. Run as root after the jar is built:
 * {@code scripts/bench-net-rx.sh [seconds-per-window] [packets-per-second] [rounds]}.
 */
public final class NetRxBenchmark {

    private static final Path BPF_STATS = Path.of("/proc/sys/kernel/bpf_stats_enabled");
    private static final Path AGENT = Path.of("node-agent/bin/node-agent");
    private static final int PORT = 5299;
    /** How long the agent's set of programs must stay the same to count as started, and the wait after. */
    private static final long SETTLED_MILLIS = 3_000;
    /** The agent's run beyond its measured window: start-up (seconds on a loaded machine) and a margin. */
    private static final int START_UP_ALLOWANCE_SECONDS = 60;
    /** Clock ticks per second of /proc/PID/stat (USER_HZ, 100 on Linux). */
    private static final double TICKS_PER_SECOND = 100;

    private static final List<List<String>> PHASES = List.of(List.of(), List.of("--off-cpu"), List.of("--net-rx"));

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        long packetsPerSecond = args.length > 1 ? Long.parseLong(args[1]) : 100_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        if (!Files.isExecutable(AGENT)) {
            throw new IllegalStateException("run from the repository root, after the jar is built");
        }
        Path work = Files.createTempDirectory("netrx-bench");
        Path load = compile(work);
        int agentSeconds = START_UP_ALLOWANCE_SECONDS + seconds;
        double loadSeconds = 24 * 3600; // until the sender is stopped, and the receiver a second later
        Path receiverOut = work.resolve("receiver.out");
        Path senderOut = work.resolve("sender.out");
        Process receiver = new ProcessBuilder(
                        load.toString(), "recv", Integer.toString(PORT), Double.toString(loadSeconds))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .redirectOutput(receiverOut.toFile())
                .start();
        while (!Files.readString(receiverOut).startsWith("ready")) {
            if (!receiver.isAlive()) {
                throw new IllegalStateException("udp_load recv failed");
            }
            Thread.sleep(50);
        }
        Process sender = new ProcessBuilder(
                        load.toString(),
                        "send",
                        Integer.toString(PORT),
                        Long.toString(packetsPerSecond),
                        Double.toString(loadSeconds))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .redirectOutput(senderOut.toFile())
                .start();
        String statsBefore = Files.readString(BPF_STATS).strip();
        Files.writeString(BPF_STATS, "1");
        System.out.printf(
                "load: %,d UDP packets/s of 64 bytes on 127.0.0.1; windows of %d s once each agent has started%n",
                packetsPerSecond, seconds);
        try {
            Thread.sleep(3_000); // the load settles
            for (int round = 1; round <= rounds; round++) {
                for (List<String> phase : PHASES) {
                    measure(round, phase, seconds, agentSeconds, work);
                }
            }
        } finally {
            Files.writeString(BPF_STATS, statsBefore);
            sender.destroy(); // SIGTERM: it prints what it sent; the receiver ends a second later
            System.out.println("sender:   " + lastLine(sender, senderOut));
            System.out.println("receiver: " + lastLine(receiver, receiverOut));
        }
    }

    /** One agent run: launched, warmed up, measured for {@code seconds}, then let finish. */
    private static void measure(int round, List<String> options, int seconds, int agentSeconds, Path work)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(
                AGENT.toString(),
                "profile",
                "--duration",
                agentSeconds + "s",
                "--format",
                "json",
                "--output",
                work.resolve("profile.json").toString()));
        command.addAll(options);
        Process agent = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("agent.log").toFile())
                .start();
        long pid = agent.pid(); // the launcher script execs the JVM: the same process
        waitUntilStarted(agent);
        Map<String, long[]> bpfBefore = bpfStats(pid);
        long[] udpBefore = udpCounters();
        long ticksBefore = cpuTicks(pid);
        long started = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        long ticks = cpuTicks(pid) - ticksBefore;
        long[] udpAfter = udpCounters();
        double wall = (System.nanoTime() - started) / 1e9;
        Map<String, long[]> bpfAfter = bpfStats(pid);
        long packets = udpAfter[0] - udpBefore[0];
        System.out.printf(
                "round %d  profile %-10s %,9.0f UDP packets/s received (%d dropped), agent %.2f%% of one CPU"
                        + " (load average %s)%n",
                round,
                String.join(" ", options),
                packets / wall,
                udpAfter[1] - udpBefore[1],
                ticks / TICKS_PER_SECOND / wall * 100,
                Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        long totalNanos = 0;
        for (var entry : bpfAfter.entrySet()) {
            long[] before = bpfBefore.getOrDefault(entry.getKey(), new long[3]);
            long runNanos = entry.getValue()[0] - before[0];
            long runs = entry.getValue()[1] - before[1];
            totalNanos += runNanos;
            System.out.printf(
                    "          BPF %-20s %,9d runs/s, %5.0f ns per run, %d not run (nested in another program)%n",
                    entry.getKey(),
                    Math.round(runs / wall),
                    runs == 0 ? 0.0 : (double) runNanos / runs,
                    entry.getValue()[2] - before[2]);
        }
        if (!bpfAfter.isEmpty()) {
            long dataReady = bpfAfter.getOrDefault("net_rx_data_ready", new long[3])[1]
                    - bpfBefore.getOrDefault("net_rx_data_ready", new long[3])[1];
            System.out.printf(
                    "          BPF net-rx total: %.0f ns per packet received, %.0f ns per sk_data_ready run,"
                            + " %.2f%% of one CPU%n",
                    packets == 0 ? 0.0 : (double) totalNanos / packets,
                    dataReady == 0 ? 0.0 : (double) totalNanos / dataReady,
                    totalNanos / 1e9 / wall * 100);
            if (dataReady < 0.99 * packets) {
                // One sk_data_ready per datagram: fewer runs mean the statistics were off for a while
                // (kernel.bpf_stats_enabled is one switch for the machine; another process reset it).
                System.out.println("          (BPF statistics were off for part of the window: the per-packet"
                        + " total is understated; the per-sk_data_ready figure is not)");
            }
        }
        // Done measuring: the rest of its run (and its slice, not looked at) is not needed.
        if (!agent.isAlive()) {
            throw new IllegalStateException("the agent ended before its window did (exit code " + agent.exitValue()
                    + "): " + Files.readString(work.resolve("agent.log")));
        }
        agent.destroy();
        if (!agent.waitFor(60, TimeUnit.SECONDS)) {
            agent.destroyForcibly();
            throw new IllegalStateException("the agent did not stop within 60 s of SIGTERM");
        }
        if (agent.exitValue() != 0 && agent.exitValue() != 128 + 15) {
            throw new IllegalStateException("the agent failed (exit code " + agent.exitValue() + "): "
                    + Files.readString(work.resolve("agent.log")));
        }
    }

    /**
     * Waits until the agent has loaded and attached its programs (the BPF programs it holds stop
     * changing for {@link #SETTLED_MILLIS}), then {@link #SETTLED_MILLIS} more: the verifier's work
     * is charged to the agent's system time, and on a loaded machine start-up takes seconds longer
     * with three samplers than with one, so a fixed delay would measure part of it.
     */
    private static void waitUntilStarted(Process agent) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        Set<Long> seen = Set.of();
        long stableSince = System.nanoTime();
        while (seen.isEmpty() || System.nanoTime() - stableSince < SETTLED_MILLIS * 1_000_000L) {
            if (!agent.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the agent did not start its samplers");
            }
            Thread.sleep(250);
            Set<Long> now = programIds(agent.pid());
            if (!now.equals(seen)) {
                seen = now;
                stableSince = System.nanoTime();
            }
        }
        Thread.sleep(SETTLED_MILLIS);
    }

    private static Path compile(Path work) throws IOException, InterruptedException {
        Path source = work.resolve("udp_load.c");
        try (InputStream in = NetRxBenchmark.class.getResourceAsStream("/bench/udp_load.c")) {
            Files.copy(in, source);
        }
        Path binary = work.resolve("udp_load");
        Process clang = new ProcessBuilder("clang", "-O2", "-Wall", "-o", binary.toString(), source.toString())
                .inheritIO()
                .start();
        if (clang.waitFor() != 0) {
            throw new IllegalStateException("clang failed on " + source);
        }
        return binary;
    }

    private static String lastLine(Process process, Path output) throws IOException, InterruptedException {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        String[] lines = Files.readString(output).strip().split("\n");
        return lines[lines.length - 1];
    }

    /** utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/PID/stat). */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /** "Udp:" InDatagrams and RcvbufErrors of /proc/net/snmp (datagrams delivered, and dropped). */
    private static long[] udpCounters() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/net/snmp"));
        for (int i = 0; i + 1 < lines.size(); i++) {
            if (lines.get(i).startsWith("Udp:") && lines.get(i + 1).startsWith("Udp:")) {
                List<String> names = List.of(lines.get(i).split("\\s+"));
                String[] values = lines.get(i + 1).split("\\s+");
                return new long[] {
                    Long.parseLong(values[names.indexOf("InDatagrams")]),
                    Long.parseLong(values[names.indexOf("RcvbufErrors")])
                };
            }
        }
        throw new IllegalStateException("/proc/net/snmp has no Udp lines");
    }

    /** The ids of the BPF programs a process holds ("prog_id:" in the fdinfo of its program and link fds). */
    private static Set<Long> programIds(long pid) throws IOException {
        Set<Long> ids = new HashSet<>();
        try (var fds = Files.list(Path.of("/proc/" + pid + "/fdinfo"))) {
            for (Path fd : fds.toList()) {
                try {
                    for (String line : Files.readAllLines(fd)) {
                        if (line.startsWith("prog_id:")) {
                            ids.add(Long.parseLong(
                                    line.substring("prog_id:".length()).strip()));
                        }
                    }
                } catch (IOException closedMeanwhile) {
                    // an fd closed between the listing and the read
                }
            }
        }
        return ids;
    }

    /**
     * run_time_ns, run_cnt and recursion_misses of each net-rx program (names start with net_rx_) that process
     * {@code pid} holds: other processes' programs (tests running beside) are left out.
     */
    private static Map<String, long[]> bpfStats(long pid) throws IOException, InterruptedException {
        Set<Long> ours = programIds(pid);
        Process bpftool = new ProcessBuilder("bpftool", "-j", "prog", "show").start();
        byte[] json = bpftool.getInputStream().readAllBytes();
        if (bpftool.waitFor() != 0) {
            throw new IllegalStateException("bpftool prog show failed");
        }
        TreeMap<String, long[]> stats = new TreeMap<>();
        for (JsonNode prog : ProfileJson.mapper().readTree(json)) {
            String name = prog.path("name").asText();
            if (name.startsWith("net_rx_") && ours.contains(prog.path("id").asLong())) {
                long[] sum = stats.computeIfAbsent(name, n -> new long[3]);
                sum[0] += prog.path("run_time_ns").asLong();
                sum[1] += prog.path("run_cnt").asLong();
                sum[2] += prog.path("recursion_misses").asLong();
            }
        }
        return stats;
    }
}
