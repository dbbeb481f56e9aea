package dev.ebpf.profiling.agent.trigger;

import java.nio.file.Path;
import java.util.OptionalDouble;
import java.util.function.ToLongFunction;

/**
 * Node CPU %, node sys % or one CPU's %, from the deltas of two reads of /proc/stat. Ticks are the
 * clock here: the percentage is busy (or system) ticks over all ticks, so no wall clock is needed.
 *
 * <p>"sys" is the {@code system} column alone (kernel code run on behalf of processes), the same as
 * {@code top}'s {@code sy} and mpstat's {@code %sys}; interrupt and softirq time count as busy only.
 */
public final class ProcStatMetric implements MetricSource {

    private final Path procStat;
    private final String name;
    private final Integer cpu;
    private final ToLongFunction<CpuTimes> numerator;
    private CpuTimes previous;

    private ProcStatMetric(Path procStat, String name, Integer cpu, ToLongFunction<CpuTimes> numerator) {
        this.procStat = procStat;
        this.name = name;
        this.cpu = cpu;
        this.numerator = numerator;
    }

    /** The node's busy %: 100 when every CPU ran something all the time. */
    public static ProcStatMetric nodeCpu(Path procStat) {
        return new ProcStatMetric(procStat, "node-cpu", null, CpuTimes::busy);
    }

    /** The node's system (kernel) %. */
    public static ProcStatMetric nodeSys(Path procStat) {
        return new ProcStatMetric(procStat, "node-sys", null, CpuTimes::system);
    }

    /** One CPU's busy %. */
    public static ProcStatMetric cpu(Path procStat, int cpu) {
        if (cpu < 0) {
            throw new IllegalArgumentException("CPU number must not be negative, got " + cpu);
        }
        return new ProcStatMetric(procStat, "cpu" + cpu, cpu, CpuTimes::busy);
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * @throws IllegalStateException if the watched CPU is not in /proc/stat (offline or absent)
     */
    @Override
    public OptionalDouble read() {
        CpuTimes now = select(ProcStat.read(procStat));
        CpuTimes before = previous;
        previous = now;
        if (before == null) {
            return OptionalDouble.empty();
        }
        return MetricSource.percent((double) (numerator.applyAsLong(now) - numerator.applyAsLong(before)), (double)
                (now.total() - before.total()));
    }

    private CpuTimes select(ProcStat stat) {
        if (cpu == null) {
            return stat.node();
        }
        return stat.cpu(cpu)
                .orElseThrow(() -> new IllegalStateException("CPU " + cpu + " is not in " + procStat
                        + " (offline or absent); online: " + stat.perCpu().keySet()));
    }
}
