package dev.ebpf.profiling.agent.sampler;

import static dev.ebpf.profiling.bpf.BpfContract.NETRX_DELAY_BUCKETS;
import static dev.ebpf.profiling.bpf.BpfContract.TASK_COMM_LEN;

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
        String comm,
        long packets,
        long bytes,
        long reads,
        long delaySumNanos,
        long delayMaxNanos,
        long[] delayBuckets) {

    static final StructLayout KEY_LAYOUT = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("cgroup_id"),
            ValueLayout.JAVA_INT.withName("tgid"),
            ValueLayout.JAVA_INT.withName("reserved"),
            MemoryLayout.sequenceLayout(TASK_COMM_LEN, ValueLayout.JAVA_BYTE).withName("comm"));

    static final StructLayout VALUE_LAYOUT = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("packets"),
            ValueLayout.JAVA_LONG.withName("bytes"),
            ValueLayout.JAVA_LONG.withName("reads"),
            ValueLayout.JAVA_LONG.withName("delay_sum_ns"),
            ValueLayout.JAVA_LONG.withName("delay_max_ns"),
            MemoryLayout.sequenceLayout(NETRX_DELAY_BUCKETS, ValueLayout.JAVA_LONG)
                    .withName("delay_buckets"));

    private static final long BUCKETS = VALUE_LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("delay_buckets"));

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
                key.get(ValueLayout.JAVA_INT_UNALIGNED, Long.BYTES),
                key.get(ValueLayout.JAVA_LONG_UNALIGNED, 0),
                SampleKey.comm(key.asSlice(Long.BYTES + 2L * Integer.BYTES, TASK_COMM_LEN)),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, 0),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, 8),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, 16),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, 24),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, 32),
                buckets);
    }

    /** The same process's counts added up (one application can read through several keys). */
    public NetRxAppCount plus(NetRxAppCount other) {
        long[] sum = delayBuckets.clone();
        for (int i = 0; i < sum.length; i++) {
            sum[i] += other.delayBuckets[i];
        }
        return new NetRxAppCount(
                tgid,
                cgroupId,
                comm,
                packets + other.packets,
                bytes + other.bytes,
                reads + other.reads,
                delaySumNanos + other.delaySumNanos,
                Math.max(delayMaxNanos, other.delayMaxNanos),
                sum);
    }
}
