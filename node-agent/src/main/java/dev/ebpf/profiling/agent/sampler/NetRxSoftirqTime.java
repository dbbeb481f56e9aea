package dev.ebpf.profiling.agent.sampler;

import static dev.ebpf.profiling.bpf.BpfContract.TASK_COMM_LEN;

import dev.ebpf.profiling.agent.bpf.StructFields;
import dev.ebpf.profiling.bpf.BpfStructs;
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

    /** struct netrx_softirq_key, generated from the BPF objects. */
    static final StructLayout KEY_LAYOUT = BpfStructs.NETRX_SOFTIRQ_KEY;

    /** struct netrx_softirq_value, generated from the BPF objects. */
    static final StructLayout VALUE_LAYOUT = BpfStructs.NETRX_SOFTIRQ_VALUE;

    private static final long CGROUP = StructFields.offset(KEY_LAYOUT, "cgroup_id", ValueLayout.JAVA_LONG);
    private static final long TGID = StructFields.offset(KEY_LAYOUT, "tgid", ValueLayout.JAVA_INT);
    private static final long CPU = StructFields.offset(KEY_LAYOUT, "cpu", ValueLayout.JAVA_INT);
    private static final long VEC = StructFields.offset(KEY_LAYOUT, "vec", ValueLayout.JAVA_INT);
    private static final long COMM = StructFields.offset(KEY_LAYOUT, "comm", SampleKey.COMM_LAYOUT);
    private static final long TIME = StructFields.offset(VALUE_LAYOUT, "time_ns", ValueLayout.JAVA_LONG);
    private static final long RUNS = StructFields.offset(VALUE_LAYOUT, "runs", ValueLayout.JAVA_LONG);

    static NetRxSoftirqTime read(MemorySegment key, MemorySegment value) {
        return new NetRxSoftirqTime(
                key.get(ValueLayout.JAVA_INT_UNALIGNED, CPU),
                key.get(ValueLayout.JAVA_INT_UNALIGNED, VEC),
                key.get(ValueLayout.JAVA_LONG_UNALIGNED, CGROUP),
                key.get(ValueLayout.JAVA_INT_UNALIGNED, TGID),
                SampleKey.comm(key.asSlice(COMM, TASK_COMM_LEN)),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, TIME),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, RUNS));
    }
}
