package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.agent.trigger.CgroupCpuMetric;
import dev.ebpf.profiling.agent.trigger.MetricSource;
import dev.ebpf.profiling.agent.trigger.ProcStat;
import dev.ebpf.profiling.agent.trigger.ProcStatMetric;
import dev.ebpf.profiling.api.job.TriggerSpec;
import java.nio.file.Path;
import java.util.Collection;
import java.util.function.Supplier;

/** The metric a trigger-mode job watches, from its spec. */
final class TriggerMetricSources {

    /** The name the selected pods' CPU % goes by in Events and the status, as in the spec. */
    static final String POD_CPU = "pod-cpu";

    private TriggerMetricSources() {}

    /**
     * @param podCgroups the selected pods' cgroup directories on this node, asked at every read
     * @param nodeCpus   the node's online CPUs: the pods' CPU % is of the whole node, as node CPU % is
     * @throws IllegalArgumentException with one line when the spec names no usable metric
     */
    static MetricSource of(TriggerSpec trigger, Supplier<? extends Collection<Path>> podCgroups, int nodeCpus) {
        if (trigger == null || trigger.metric == null) {
            throw new IllegalArgumentException("a trigger-mode job needs trigger.metric");
        }
        return switch (trigger.metric) {
            case NODE_CPU -> ProcStatMetric.nodeCpu(ProcStat.PROC_STAT);
            case NODE_SYS -> ProcStatMetric.nodeSys(ProcStat.PROC_STAT);
            case CPU -> {
                if (trigger.cpu == null) {
                    throw new IllegalArgumentException("trigger.metric cpu needs trigger.cpu, the CPU to watch");
                }
                yield ProcStatMetric.cpu(ProcStat.PROC_STAT, trigger.cpu);
            }
            case POD_CPU -> new CgroupCpuMetric(POD_CPU, podCgroups, nodeCpus, System::nanoTime);
        };
    }
}
