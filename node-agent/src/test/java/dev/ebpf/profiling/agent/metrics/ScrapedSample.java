package dev.ebpf.profiling.agent.metrics;

import java.util.Map;

/** One sample line of a scrape: {@code name{labels} value}. */
record ScrapedSample(String name, Map<String, String> labels, double value) {}
