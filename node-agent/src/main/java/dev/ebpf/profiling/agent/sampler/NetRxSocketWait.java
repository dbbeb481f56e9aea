package dev.ebpf.profiling.agent.sampler;

import static dev.ebpf.profiling.bpf.BpfContract.TASK_COMM_LEN;

import dev.ebpf.profiling.agent.bpf.StructFields;
import dev.ebpf.profiling.bpf.BpfStructs;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * One socket's longest queue delay in a slice for one reading process, and how the reader thread
 * spent the time since its previous read (struct netrx_socket_key and struct netrx_worst).
 *
 * @param socket             the struct sock address: only an identity within the slice
 * @param tgid               the reading process
 * @param cgroupId           its cgroup
 * @param cpu                the CPU the reads ran on
 * @param waitNanos          the longest wait of one read
 * @param readNanos          when that read returned (CLOCK_MONOTONIC)
 * @param readerGapNanos     from the reader thread's previous read to that read; 0 when unknown
 * @param readerRuntimeNanos of that gap, time on a CPU
 * @param readerRunDelayNanos of that gap, time runnable but waiting for a CPU
 * @param reads              reads of the socket by the process in the slice
 * @param delaySumNanos      their queue delays summed
 * @param bytes              bytes they returned
 * @param tid                the thread that read after the longest wait
 * @param family             AF_INET or AF_INET6
 * @param protocol           IPPROTO_TCP or IPPROTO_UDP
 * @param localPort          the socket's local port
 * @param remotePort         the peer's port; 0 for an unconnected UDP socket
 * @param localAddress       the local address
 * @param remoteAddress      the peer's address (any-address when unconnected)
 * @param comm               the reading thread's name
 */
public record NetRxSocketWait(
        long socket,
        int tgid,
        long cgroupId,
        int cpu,
        long waitNanos,
        long readNanos,
        long readerGapNanos,
        long readerRuntimeNanos,
        long readerRunDelayNanos,
        long reads,
        long delaySumNanos,
        long bytes,
        int tid,
        int family,
        int protocol,
        int localPort,
        int remotePort,
        InetAddress localAddress,
        InetAddress remoteAddress,
        String comm) {

    /** struct netrx_socket_key, generated from the BPF objects. */
    static final StructLayout KEY_LAYOUT = BpfStructs.NETRX_SOCKET_KEY;

    /** struct netrx_worst, generated from the BPF objects. */
    static final StructLayout VALUE_LAYOUT = BpfStructs.NETRX_WORST;

    private static final int AF_INET6 = dev.ebpf.profiling.bpf.BpfContract.NETRX_AF_INET6;
    private static final MemoryLayout ADDRESS_LAYOUT = MemoryLayout.sequenceLayout(16, ValueLayout.JAVA_BYTE);

    private static final long SK = StructFields.offset(KEY_LAYOUT, "sk", ValueLayout.JAVA_LONG);
    private static final long CGROUP = StructFields.offset(KEY_LAYOUT, "cgroup_id", ValueLayout.JAVA_LONG);
    private static final long TGID = StructFields.offset(KEY_LAYOUT, "tgid", ValueLayout.JAVA_INT);
    private static final long CPU = StructFields.offset(KEY_LAYOUT, "cpu", ValueLayout.JAVA_INT);
    private static final long WAIT = StructFields.offset(VALUE_LAYOUT, "wait_ns", ValueLayout.JAVA_LONG);
    private static final long READ = StructFields.offset(VALUE_LAYOUT, "read_ns", ValueLayout.JAVA_LONG);
    private static final long GAP = StructFields.offset(VALUE_LAYOUT, "reader_gap_ns", ValueLayout.JAVA_LONG);
    private static final long RUNTIME = StructFields.offset(VALUE_LAYOUT, "reader_runtime_ns", ValueLayout.JAVA_LONG);
    private static final long RUN_DELAY =
            StructFields.offset(VALUE_LAYOUT, "reader_run_delay_ns", ValueLayout.JAVA_LONG);
    private static final long READS = StructFields.offset(VALUE_LAYOUT, "reads", ValueLayout.JAVA_LONG);
    private static final long DELAY_SUM = StructFields.offset(VALUE_LAYOUT, "delay_sum_ns", ValueLayout.JAVA_LONG);
    private static final long BYTES = StructFields.offset(VALUE_LAYOUT, "bytes", ValueLayout.JAVA_LONG);
    private static final long TID = StructFields.offset(VALUE_LAYOUT, "tid", ValueLayout.JAVA_INT);
    private static final long FAMILY = StructFields.offset(VALUE_LAYOUT, "family", ValueLayout.JAVA_SHORT);
    private static final long PROTOCOL = StructFields.offset(VALUE_LAYOUT, "protocol", ValueLayout.JAVA_SHORT);
    private static final long LOCAL_PORT = StructFields.offset(VALUE_LAYOUT, "local_port", ValueLayout.JAVA_SHORT);
    private static final long REMOTE_PORT = StructFields.offset(VALUE_LAYOUT, "remote_port", ValueLayout.JAVA_SHORT);
    private static final long LOCAL_ADDR = StructFields.offset(VALUE_LAYOUT, "local_addr", ADDRESS_LAYOUT);
    private static final long REMOTE_ADDR = StructFields.offset(VALUE_LAYOUT, "remote_addr", ADDRESS_LAYOUT);
    private static final long COMM = StructFields.offset(VALUE_LAYOUT, "comm", SampleKey.COMM_LAYOUT);

    static NetRxSocketWait read(MemorySegment key, MemorySegment value) {
        int family = Short.toUnsignedInt(value.get(ValueLayout.JAVA_SHORT_UNALIGNED, FAMILY));
        return new NetRxSocketWait(
                key.get(ValueLayout.JAVA_LONG_UNALIGNED, SK),
                key.get(ValueLayout.JAVA_INT_UNALIGNED, TGID),
                key.get(ValueLayout.JAVA_LONG_UNALIGNED, CGROUP),
                key.get(ValueLayout.JAVA_INT_UNALIGNED, CPU),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, WAIT),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, READ),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, GAP),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, RUNTIME),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, RUN_DELAY),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, READS),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, DELAY_SUM),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, BYTES),
                value.get(ValueLayout.JAVA_INT_UNALIGNED, TID),
                family,
                Short.toUnsignedInt(value.get(ValueLayout.JAVA_SHORT_UNALIGNED, PROTOCOL)),
                Short.toUnsignedInt(value.get(ValueLayout.JAVA_SHORT_UNALIGNED, LOCAL_PORT)),
                Short.toUnsignedInt(value.get(ValueLayout.JAVA_SHORT_UNALIGNED, REMOTE_PORT)),
                address(value.asSlice(LOCAL_ADDR, ADDRESS_LAYOUT.byteSize()), family),
                address(value.asSlice(REMOTE_ADDR, ADDRESS_LAYOUT.byteSize()), family),
                SampleKey.comm(value.asSlice(COMM, TASK_COMM_LEN)));
    }

    /**
     * This socket's waits and {@code other}'s (the same socket and process on another CPU, or in
     * another cut) as one: the longer wait with its reader, and both waits' reads and bytes.
     */
    public NetRxSocketWait mergedWith(NetRxSocketWait other) {
        NetRxSocketWait longer = waitNanos >= other.waitNanos ? this : other;
        return new NetRxSocketWait(
                longer.socket,
                longer.tgid,
                longer.cgroupId,
                longer.cpu,
                longer.waitNanos,
                longer.readNanos,
                longer.readerGapNanos,
                longer.readerRuntimeNanos,
                longer.readerRunDelayNanos,
                reads + other.reads,
                delaySumNanos + other.delaySumNanos,
                bytes + other.bytes,
                longer.tid,
                longer.family,
                longer.protocol,
                longer.localPort,
                longer.remotePort,
                longer.localAddress,
                longer.remoteAddress,
                longer.comm);
    }

    private static InetAddress address(MemorySegment bytes, int family) {
        byte[] raw = bytes.toArray(ValueLayout.JAVA_BYTE);
        try {
            return InetAddress.getByAddress(family == AF_INET6 ? raw : Arrays.copyOf(raw, 4));
        } catch (UnknownHostException e) {
            throw new IllegalStateException("an address of 4 or 16 bytes is always valid", e);
        }
    }
}
