package dev.ebpf.profiling.agent.sampler;

import static dev.ebpf.profiling.bpf.BpfContract.NETRX_DELAY_BUCKETS;
import static dev.ebpf.profiling.bpf.BpfContract.TASK_COMM_LEN;

import dev.ebpf.profiling.agent.bpf.StructFields;
import dev.ebpf.profiling.bpf.BpfStructs;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * What the net-rx program counted in a slice for one reading process (struct netrx_app_key and
 * struct netrx_app_value of bpf/profiler.h).
 *
 * @param tgid          the reading process
 * @param cgroupId      its cgroup when it read
 * @param cpu           the CPU the reads ran on (the reader's: the program runs in its recvmsg)
 * @param comm          the reading thread's name
 * @param packets       skbs queued (sk_data_ready calls) that its reads consumed
 * @param bytes         bytes its reads returned
 * @param reads         reads with a known queue delay
 * @param delaySumNanos queue delay summed over those reads
 * @param delayMaxNanos the longest of them
 * @param delayBuckets  the log2 histogram, see {@link NetRxDelayBuckets}
 */
public record NetRxAppCount(
        int tgid,
        long cgroupId,
        int cpu,
        String comm,
        long packets,
        long bytes,
        long reads,
        long delaySumNanos,
        long delayMaxNanos,
        long[] delayBuckets) {

    /** struct netrx_app_key, generated from the BPF objects. */
    static final StructLayout KEY_LAYOUT = BpfStructs.NETRX_APP_KEY;

    /** struct netrx_app_value, generated from the BPF objects. */
    static final StructLayout VALUE_LAYOUT = BpfStructs.NETRX_APP_VALUE;

    private static final long CGROUP = StructFields.offset(KEY_LAYOUT, "cgroup_id", ValueLayout.JAVA_LONG);
    private static final long TGID = StructFields.offset(KEY_LAYOUT, "tgid", ValueLayout.JAVA_INT);
    private static final long CPU = StructFields.offset(KEY_LAYOUT, "cpu", ValueLayout.JAVA_INT);
    private static final long COMM = StructFields.offset(KEY_LAYOUT, "comm", SampleKey.COMM_LAYOUT);
    private static final long PACKETS = StructFields.offset(VALUE_LAYOUT, "packets", ValueLayout.JAVA_LONG);
    private static final long BYTES = StructFields.offset(VALUE_LAYOUT, "bytes", ValueLayout.JAVA_LONG);
    private static final long READS = StructFields.offset(VALUE_LAYOUT, "reads", ValueLayout.JAVA_LONG);
    private static final long DELAY_SUM = StructFields.offset(VALUE_LAYOUT, "delay_sum_ns", ValueLayout.JAVA_LONG);
    private static final long DELAY_MAX = StructFields.offset(VALUE_LAYOUT, "delay_max_ns", ValueLayout.JAVA_LONG);
    private static final long BUCKETS = StructFields.offset(
            VALUE_LAYOUT, "delay_buckets", MemoryLayout.sequenceLayout(NETRX_DELAY_BUCKETS, ValueLayout.JAVA_LONG));

    public NetRxAppCount {
        delayBuckets = delayBuckets.clone();
        if (delayBuckets.length != NETRX_DELAY_BUCKETS) {
            throw new IllegalArgumentException(
                    "expected " + NETRX_DELAY_BUCKETS + " delay buckets, got " + delayBuckets.length);
        }
    }

    @Override
    public long[] delayBuckets() {
        return delayBuckets.clone();
    }

    static NetRxAppCount read(MemorySegment key, MemorySegment value) {
        long[] buckets = new long[NETRX_DELAY_BUCKETS];
        MemorySegment.copy(value, ValueLayout.JAVA_LONG_UNALIGNED, BUCKETS, buckets, 0, NETRX_DELAY_BUCKETS);
        return new NetRxAppCount(
                key.get(ValueLayout.JAVA_INT_UNALIGNED, TGID),
                key.get(ValueLayout.JAVA_LONG_UNALIGNED, CGROUP),
                key.get(ValueLayout.JAVA_INT_UNALIGNED, CPU),
                SampleKey.comm(key.asSlice(COMM, TASK_COMM_LEN)),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, PACKETS),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, BYTES),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, READS),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, DELAY_SUM),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, DELAY_MAX),
                buckets);
    }

    /**
     * The same process's counts added up (one application reads through several keys: a key per
     * process, cgroup and CPU); the sum keeps this count's process, cgroup and CPU.
     */
    public NetRxAppCount plus(NetRxAppCount other) {
        long[] sum = delayBuckets.clone();
        for (int i = 0; i < sum.length; i++) {
            sum[i] += other.delayBuckets[i];
        }
        return new NetRxAppCount(
                tgid,
                cgroupId,
                cpu,
                comm,
                packets + other.packets,
                bytes + other.bytes,
                reads + other.reads,
                delaySumNanos + other.delaySumNanos,
                Math.max(delayMaxNanos, other.delayMaxNanos),
                sum);
    }
}
