package dev.ebpf.profiling.api.profile;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How long received data waited in an application's sockets before the application read it: from
 * the data becoming ready (sock:sk_data_ready) to the read that took it (sock:sock_recv_length).
 *
 * <p>The percentiles come from the histogram, which the kernel counted: within a bucket the
 * reads are taken as spread evenly, so a percentile is exact to the bucket (a factor of two) and
 * never above {@code maxMs}, which is exact.
 *
 * @param reads     reads with a known delay
 * @param p50Ms     median delay
 * @param p99Ms     99th percentile
 * @param maxMs     the longest delay
 * @param meanMs    the mean delay
 * @param histogram the non-empty buckets, shortest first
 */
@JsonPropertyOrder({"reads", "p50Ms", "p99Ms", "maxMs", "meanMs", "histogram"})
public record QueueDelay(
        long reads, double p50Ms, double p99Ms, double maxMs, double meanMs, List<DelayBucket> histogram) {

    public static final QueueDelay NONE = new QueueDelay(0, 0, 0, 0, 0, List.of());

    public QueueDelay {
        histogram = List.copyOf(histogram);
    }

    /** The delay from its histogram, its exact maximum and its sum. */
    public static QueueDelay of(List<DelayBucket> histogram, double maxMs, double sumMs) {
        List<DelayBucket> buckets = histogram.stream()
                .filter(b -> b.count() > 0)
                .sorted(Comparator.comparingDouble(DelayBucket::fromMs))
                .toList();
        long reads = buckets.stream().mapToLong(DelayBucket::count).sum();
        if (reads == 0) {
            return NONE;
        }
        return new QueueDelay(
                reads,
                percentile(buckets, reads, 0.50, maxMs),
                percentile(buckets, reads, 0.99, maxMs),
                round(maxMs),
                round(sumMs / reads),
                buckets);
    }

    /** The value below which {@code fraction} of the reads fall, interpolated within its bucket. */
    static double percentile(List<DelayBucket> buckets, long reads, double fraction, double maxMs) {
        double rank = fraction * reads;
        long before = 0;
        for (DelayBucket bucket : buckets) {
            if (before + bucket.count() >= rank) {
                double within = (rank - before) / bucket.count();
                double top = Math.min(bucket.toMs(), Math.max(maxMs, bucket.fromMs()));
                return round(bucket.fromMs() + within * (top - bucket.fromMs()));
            }
            before += bucket.count();
        }
        return maxMs;
    }

    /** Several delays (one application on several nodes, or several processes) as one. */
    public static QueueDelay merge(List<QueueDelay> delays) {
        Map<Double, DelayBucket> byFrom = new TreeMap<>();
        double max = 0;
        double sum = 0;
        for (QueueDelay delay : delays) {
            for (DelayBucket bucket : delay.histogram()) {
                byFrom.merge(
                        bucket.fromMs(),
                        bucket,
                        (a, b) -> new DelayBucket(a.fromMs(), a.toMs(), a.count() + b.count()));
            }
            max = Math.max(max, delay.maxMs());
            sum += delay.meanMs() * delay.reads();
        }
        return of(new ArrayList<>(byFrom.values()), max, sum);
    }

    private static double round(double ms) {
        return Math.round(ms * 1000) / 1000.0;
    }
}
