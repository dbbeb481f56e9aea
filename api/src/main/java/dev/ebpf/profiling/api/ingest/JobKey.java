package dev.ebpf.profiling.api.ingest;

/**
 * A ProfilingJob as an agent acted on it: the operator drops a report whose uid is not the job's
 * (the job was deleted and re-created) and counts it.
 */
public record JobKey(String namespace, String name, String uid, long generation) {}
