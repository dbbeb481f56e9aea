package dev.ebpf.profiling.api.profile;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One bucket of a queue-delay histogram: reads whose data waited at least {@code fromMs} and
 * less than {@code toMs}. The agent's buckets are log2 of microseconds (0-1 us, 1-2 us, 2-4 us...),
 * the same on every node, so histograms merge bucket by bucket.
 *
 * @param fromMs lower bound, inclusive
 * @param toMs   upper bound, exclusive (the last bucket holds everything longer too)
 * @param count  reads in the bucket
 */
@JsonPropertyOrder({"fromMs", "toMs", "count"})
public record DelayBucket(double fromMs, double toMs, long count) {}
