package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.api.job.ProfilingJob;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/**
 * What the agent learns from the cluster: the ProfilingJobs of every namespace and the pods of its
 * own node, both read-only. {@link InformerJobSource} reads them from the API server's watches;
 * tests give them directly.
 */
public interface JobSource extends AutoCloseable {

    /** Every ProfilingJob, accepted or not (the agent decides which it acts on). */
    List<ProfilingJob> jobs();

    /** The pods scheduled to this node, of every namespace. */
    List<Pod> podsOnNode();

    @Override
    default void close() {}
}
