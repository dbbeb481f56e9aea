package dev.ebpf.profiling.agent.netrx;

import static dev.ebpf.profiling.bpf.BpfContract.NETRX_DELAY_BUCKETS;

import dev.ebpf.profiling.api.profile.DelayBucket;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel's log2 queue-delay buckets (NETRX_DELAY_BUCKETS of bpf/profiler.h) in milliseconds:
 * bucket 0 holds delays under 1 us, bucket b holds [2^(b-1), 2^b) us, the last one also longer.
 */
public final class DelayBuckets {

    private static final double MS_PER_US = 1e-3;

    private DelayBuckets() {}

    /** Lower bound of bucket {@code index}, in ms. */
    public static double fromMs(int index) {
        return index == 0 ? 0 : Math.scalb(1.0, index - 1) * MS_PER_US;
    }

    /** Upper bound of bucket {@code index}, in ms (exclusive). */
    public static double toMs(int index) {
        return Math.scalb(1.0, index) * MS_PER_US;
    }

    /** The non-empty buckets of a kernel histogram. */
    public static List<DelayBucket> of(long[] counts) {
        if (counts.length != NETRX_DELAY_BUCKETS) {
            throw new IllegalArgumentException("expected " + NETRX_DELAY_BUCKETS + " buckets, got " + counts.length);
        }
        List<DelayBucket> buckets = new ArrayList<>();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] > 0) {
                buckets.add(new DelayBucket(fromMs(i), toMs(i), counts[i]));
            }
        }
        return buckets;
    }
}
