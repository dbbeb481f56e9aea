package dev.ebpf.profiling.agent.sampler;

import static dev.ebpf.profiling.bpf.BpfContract.TASK_COMM_LEN;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * Time one CPU spent in a network softirq in a slice while it had interrupted one process
 * (struct netrx_softirq_key and struct netrx_softirq_value).
 *
 * @param cpu      the CPU
 * @param vector   NETRX_VEC_NET_RX or NETRX_VEC_NET_TX
 * @param cgroupId the interrupted task's cgroup; 0 when the cgroup filter left it out
 * @param tgid     the interrupted process; 0 for the idle task or one the filter left out
 * @param comm     the interrupted thread's name (ksoftirqd/N when the softirq ran in its thread)
 * @param nanos    time in the softirq
 * @param runs     softirq runs
 */
public record NetRxSoftirqTime(int cpu, int vector, long cgroupId, int tgid, String comm, long nanos, long runs) {

    static final StructLayout KEY_LAYOUT = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("cgroup_id"),
            ValueLayout.JAVA_INT.withName("tgid"),
            ValueLayout.JAVA_INT.withName("cpu"),
            ValueLayout.JAVA_INT.withName("vec"),
            ValueLayout.JAVA_INT.withName("reserved"),
            MemoryLayout.sequenceLayout(TASK_COMM_LEN, ValueLayout.JAVA_BYTE).withName("comm"));

    static final StructLayout VALUE_LAYOUT = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("time_ns"), ValueLayout.JAVA_LONG.withName("runs"));

    static NetRxSoftirqTime read(MemorySegment key, MemorySegment value) {
        return new NetRxSoftirqTime(
                key.get(ValueLayout.JAVA_INT_UNALIGNED, 12),
                key.get(ValueLayout.JAVA_INT_UNALIGNED, 16),
                key.get(ValueLayout.JAVA_LONG_UNALIGNED, 0),
                key.get(ValueLayout.JAVA_INT_UNALIGNED, 8),
                SampleKey.comm(key.asSlice(24, TASK_COMM_LEN)),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, 0),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, 8));
    }
}
