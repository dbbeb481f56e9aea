package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.api.job.ProfilingJob;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Jobs and pods given directly, as the informers would list them; tests add and remove them while the run goes. */
final class StaticJobSource implements JobSource {

    final List<ProfilingJob> jobs = new CopyOnWriteArrayList<>();
    final List<Pod> pods = new CopyOnWriteArrayList<>();

    @Override
    public List<ProfilingJob> jobs() {
        return List.copyOf(jobs);
    }

    @Override
    public List<Pod> podsOnNode() {
        return List.copyOf(pods);
    }
}
