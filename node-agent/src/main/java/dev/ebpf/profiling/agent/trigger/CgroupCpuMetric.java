package dev.ebpf.profiling.agent.trigger;

import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The selected pods' CPU %: the growth of their cgroups' CPU time over the wall time between two
 * reads, as a share of the whole node, so it reads on the same 0-100 scale as node CPU % (one busy
 * thread on a 2-CPU node reads about 50).
 *
 * <p>The set of cgroups may change between reads (pods come and go): only cgroups present in both
 * reads contribute, so a new pod counts from its second read and an ended pod simply stops counting.
 */
public final class CgroupCpuMetric implements MetricSource {

    private final String name;
    private final Supplier<? extends Collection<Path>> cgroups;
    private final int nodeCpus;
    private final LongSupplier monotonicNanos;
    private Map<Path, Long> previousUsage = Map.of();
    private long previousNanos;

    /**
     * @param name           for reports, e.g. {@code pod-cpu}
     * @param cgroups        the cgroup directories to sum, asked on every read
     * @param nodeCpus       the node's online CPU count, the 100 % mark
     * @param monotonicNanos the wall clock ({@code System::nanoTime} in production)
     */
    public CgroupCpuMetric(
            String name, Supplier<? extends Collection<Path>> cgroups, int nodeCpus, LongSupplier monotonicNanos) {
        if (nodeCpus <= 0) {
            throw new IllegalArgumentException("node CPU count must be positive, got " + nodeCpus);
        }
        this.name = name;
        this.cgroups = cgroups;
        this.nodeCpus = nodeCpus;
        this.monotonicNanos = monotonicNanos;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public OptionalDouble read() {
        long now = monotonicNanos.getAsLong();
        Map<Path, Long> usage = new HashMap<>();
        long grown = 0;
        boolean anyPrevious = false;
        for (Path cgroup : cgroups.get()) {
            OptionalLong nanos = CgroupCpuUsage.nanos(cgroup);
            if (nanos.isEmpty()) {
                continue;
            }
            usage.put(cgroup, nanos.getAsLong());
            Long before = previousUsage.get(cgroup);
            if (before != null) {
                anyPrevious = true;
                grown += Math.max(0, nanos.getAsLong() - before);
            }
        }
        long wall = now - previousNanos;
        previousUsage = usage;
        previousNanos = now;
        if (!anyPrevious) {
            return OptionalDouble.empty();
        }
        return MetricSource.percent((double) grown, (double) wall * nodeCpus);
    }
}
