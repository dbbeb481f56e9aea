package dev.ebpf.profiling.agent.sampler;

import static dev.ebpf.profiling.bpf.BpfContract.TASK_COMM_LEN;

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

    static final StructLayout KEY_LAYOUT = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("sk"),
            ValueLayout.JAVA_LONG.withName("cgroup_id"),
            ValueLayout.JAVA_INT.withName("tgid"),
            ValueLayout.JAVA_INT.withName("reserved"));

    static final StructLayout VALUE_LAYOUT = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("wait_ns"),
            ValueLayout.JAVA_LONG.withName("read_ns"),
            ValueLayout.JAVA_LONG.withName("reader_gap_ns"),
            ValueLayout.JAVA_LONG.withName("reader_runtime_ns"),
            ValueLayout.JAVA_LONG.withName("reader_run_delay_ns"),
            ValueLayout.JAVA_LONG.withName("reads"),
            ValueLayout.JAVA_LONG.withName("delay_sum_ns"),
            ValueLayout.JAVA_LONG.withName("bytes"),
            ValueLayout.JAVA_INT.withName("tid"),
            ValueLayout.JAVA_SHORT.withName("family"),
            ValueLayout.JAVA_SHORT.withName("protocol"),
            ValueLayout.JAVA_SHORT.withName("local_port"),
            ValueLayout.JAVA_SHORT.withName("remote_port"),
            ValueLayout.JAVA_INT.withName("reserved"),
            MemoryLayout.sequenceLayout(16, ValueLayout.JAVA_BYTE).withName("local_addr"),
            MemoryLayout.sequenceLayout(16, ValueLayout.JAVA_BYTE).withName("remote_addr"),
            MemoryLayout.sequenceLayout(TASK_COMM_LEN, ValueLayout.JAVA_BYTE).withName("comm"));

    private static final int AF_INET6 = dev.ebpf.profiling.bpf.BpfContract.NETRX_AF_INET6;

    private static long at(String field) {
        return VALUE_LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    static NetRxSocketWait read(MemorySegment key, MemorySegment value) {
        int family = Short.toUnsignedInt(value.get(ValueLayout.JAVA_SHORT_UNALIGNED, at("family")));
        return new NetRxSocketWait(
                key.get(ValueLayout.JAVA_LONG_UNALIGNED, 0),
                key.get(ValueLayout.JAVA_INT_UNALIGNED, 16),
                key.get(ValueLayout.JAVA_LONG_UNALIGNED, 8),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, at("wait_ns")),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, at("read_ns")),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, at("reader_gap_ns")),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, at("reader_runtime_ns")),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, at("reader_run_delay_ns")),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, at("reads")),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, at("delay_sum_ns")),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, at("bytes")),
                value.get(ValueLayout.JAVA_INT_UNALIGNED, at("tid")),
                family,
                Short.toUnsignedInt(value.get(ValueLayout.JAVA_SHORT_UNALIGNED, at("protocol"))),
                Short.toUnsignedInt(value.get(ValueLayout.JAVA_SHORT_UNALIGNED, at("local_port"))),
                Short.toUnsignedInt(value.get(ValueLayout.JAVA_SHORT_UNALIGNED, at("remote_port"))),
                address(value.asSlice(at("local_addr"), 16), family),
                address(value.asSlice(at("remote_addr"), 16), family),
                SampleKey.comm(value.asSlice(at("comm"), TASK_COMM_LEN)));
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
