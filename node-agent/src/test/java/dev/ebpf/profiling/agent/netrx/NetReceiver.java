package dev.ebpf.profiling.agent.netrx;

import dev.ebpf.profiling.agent.testsupport.PodCgroups;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The C fixture {@code netrx/net_receiver.c}: a loopback TCP or UDP receiver (IPv4 or IPv6) that
 * pauses between reads by sleeping, by spinning in {@link #BUSY_FUNCTION}, or not at all, moved
 * into a pod-shaped cgroup and optionally pinned to one CPU; and a sender in this JVM that sends
 * 1 KiB about every millisecond.
 */
@SuppressWarnings("try") // close() joins the sender thread, so it may throw InterruptedException
public final class NetReceiver implements AutoCloseable {

    public static final String BUSY_FUNCTION = "net_rx_test_busy_wait";
    private static final String SOURCE = "/netrx/net_receiver.c";
    private static final int MESSAGE_BYTES = 1024;
    private static final long SEND_INTERVAL_NANOS = 1_000_000;

    /** Transport and address family; the name in lower case is the fixture's argument. */
    public enum Protocol {
        TCP("tcp", "127.0.0.1"),
        UDP("udp", "127.0.0.1"),
        TCP6("tcp", "::1"),
        UDP6("udp", "::1");

        /** "tcp" or "udp", as the JSON's worst sockets name it. */
        public final String transport;
        /** The loopback address the receiver binds. */
        public final InetAddress loopback;

        Protocol(String transport, String loopback) {
            this.transport = transport;
            try {
                this.loopback = InetAddress.getByName(loopback);
            } catch (java.net.UnknownHostException e) {
                throw new IllegalStateException(loopback + " is a literal address", e);
            }
        }

        boolean stream() {
            return transport.equals("tcp");
        }
    }

    public enum Pause {
        SLEEP("sleep"),
        AT_ONCE("at-once"),
        BUSY("busy");

        final String argument;

        Pause(String argument) {
            this.argument = argument;
        }
    }

    private final Process process;
    private final int port;
    private final Thread sender;
    private volatile boolean sending = true;

    private NetReceiver(Process process, int port, Protocol protocol) throws IOException {
        this.process = process;
        this.port = port;
        Socket tcp = protocol.stream() ? new Socket(protocol.loopback, port) : null;
        DatagramSocket udp = protocol.stream() ? null : new DatagramSocket();
        this.sender = Thread.ofPlatform()
                .name("net-rx-test-sender")
                .daemon(true)
                .start(() -> send(tcp, udp, protocol.loopback));
    }

    /** Compiles the fixture into {@code directory} (with frame pointers and symbols). */
    public static Path compile(Path directory) throws IOException, InterruptedException {
        Path source = directory.resolve("net_receiver.c");
        try (InputStream in = NetReceiver.class.getResourceAsStream(SOURCE)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + SOURCE + " is missing");
            }
            Files.copy(in, source);
        }
        Path binary = directory.resolve("net_receiver");
        Process gcc = new ProcessBuilder(List.of(
                        "gcc", "-O0", "-fno-omit-frame-pointer", "-g", "-o", binary.toString(), source.toString()))
                .redirectErrorStream(true)
                .start();
        String output = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!gcc.waitFor(60, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
            throw new IllegalStateException("gcc failed: " + output);
        }
        return binary;
    }

    /** Starts the receiver in {@code container}, then the sender (so every read is the container's). */
    public static NetReceiver start(
            Path binary, PodCgroups.Container container, Protocol protocol, Pause pause, int pauseMs)
            throws IOException {
        return start(binary, container, protocol, pause, pauseMs, -1);
    }

    /** As {@link #start(Path, PodCgroups.Container, Protocol, Pause, int)}, the receiver pinned to {@code cpu} (-1: not pinned). */
    public static NetReceiver start(
            Path binary, PodCgroups.Container container, Protocol protocol, Pause pause, int pauseMs, int cpu)
            throws IOException {
        return launch(binary, container, protocol, pause, pauseMs, cpu, false);
    }

    /** As {@link #start(Path, PodCgroups.Container, Protocol, Pause, int)}, each read an io_uring IORING_OP_RECV. */
    public static NetReceiver startIoUring(
            Path binary, PodCgroups.Container container, Protocol protocol, Pause pause, int pauseMs)
            throws IOException {
        return launch(binary, container, protocol, pause, pauseMs, -1, true);
    }

    private static NetReceiver launch(
            Path binary,
            PodCgroups.Container container,
            Protocol protocol,
            Pause pause,
            int pauseMs,
            int cpu,
            boolean ioUring)
            throws IOException {
        List<String> command = new java.util.ArrayList<>();
        if (cpu >= 0) {
            command.addAll(List.of("taskset", "-c", Integer.toString(cpu))); // execs the receiver: one pid
        }
        command.addAll(List.of(
                binary.toString(),
                protocol.name().toLowerCase(java.util.Locale.ROOT),
                pause.argument,
                Integer.toString(pauseMs)));
        if (ioUring) {
            command.add("io_uring");
        }
        Process process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            container.moveIn(process.pid());
            BufferedReader out =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            if (first == null || !first.startsWith("port=")) {
                throw new IllegalStateException("net_receiver printed '" + first + "' instead of its port");
            }
            return new NetReceiver(process, Integer.parseInt(first.substring("port=".length())), protocol);
        } catch (IOException | RuntimeException e) {
            process.destroyForcibly();
            throw e;
        }
    }

    private void send(Socket tcp, DatagramSocket udp, InetAddress loopback) {
        byte[] message = new byte[MESSAGE_BYTES];
        try (Socket t = tcp;
                DatagramSocket u = udp) {
            OutputStream stream = t == null ? null : t.getOutputStream();
            DatagramPacket packet = new DatagramPacket(message, message.length, loopback, port);
            while (sending) {
                if (stream != null) {
                    stream.write(message);
                } else {
                    u.send(packet);
                }
                LockSupport.parkNanos(SEND_INTERVAL_NANOS);
            }
        } catch (IOException e) {
            // The receiver went away: the test is over.
        }
    }

    public long pid() {
        return process.pid();
    }

    public int port() {
        return port;
    }

    @Override
    public void close() throws InterruptedException {
        sending = false;
        sender.join(5_000);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
