package dev.ebpf.profiling.agent.trigger;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.function.Supplier;

/**
 * The armed trigger's own cost per one-second poll: read the metric, step the state machine, keep
 * a slice in the ring. Prints CPU time per poll, i.e. the CPU % of one core at one poll a second.
 * Run: {@code mvn -pl node-agent test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.ebpf.profiling.agent.trigger.TriggerCostBenchmark}
 */
public final class TriggerCostBenchmark {

    private static final int POLLS = 5_000;
    private static final int WARMUP_POLLS = 1_000;
    private static final double MICROS_PER_SECOND = 1e6;
    private static final int PODS = 10;
    private static final Path CGROUP_V2 = Path.of("/sys/fs/cgroup/unified");

    private TriggerCostBenchmark() {}

    public static void main(String[] args) throws Exception {
        System.out.println(
                "load average " + Files.readString(Path.of("/proc/loadavg")).strip());
        int cpus = ProcStat.read(ProcStat.PROC_STAT).perCpu().size();
        measure("node-cpu (/proc/stat)", ProcStatMetric.nodeCpu(ProcStat.PROC_STAT));
        measure("cpu0 (/proc/stat)", ProcStatMetric.cpu(ProcStat.PROC_STAT, 0));
        // Ten pods' cgroups: made here (root needed), empty, removed afterwards.
        List<Path> cgroups = new ArrayList<>();
        try {
            for (int i = 0; i < PODS; i++) {
                cgroups.add(Files.createDirectory(CGROUP_V2.resolve(
                        "ebpf-profiler-bench-" + ProcessHandle.current().pid() + "-" + i)));
            }
            Supplier<List<Path>> selected = () -> cgroups;
            measure(
                    "pod-cpu (" + PODS + " cgroups' cpu.stat)",
                    new CgroupCpuMetric("pod-cpu", selected, cpus, System::nanoTime));
        } finally {
            for (Path cgroup : cgroups) {
                Files.delete(cgroup);
            }
        }
    }

    private static void measure(String what, MetricSource metric) {
        TriggerStateMachine trigger = new TriggerStateMachine(
                new TriggerSettings(100, Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(5)),
                Clock.systemUTC());
        SliceRing<Object> ring = new SliceRing<>(30, Duration.ofSeconds(30), Clock.systemUTC());
        Object slice = new Object();
        for (int i = 0; i < WARMUP_POLLS; i++) {
            poll(metric, trigger, ring, slice);
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long start = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < POLLS; i++) {
            poll(metric, trigger, ring, slice);
        }
        double micros = (threads.getCurrentThreadCpuTime() - start) / 1e3 / POLLS;
        System.out.printf(
                Locale.ROOT,
                "%-32s %7.1f us CPU per poll = %.4f %% of one CPU at 1 poll/s%n",
                what,
                micros,
                100 * micros / MICROS_PER_SECOND);
    }

    private static void poll(MetricSource metric, TriggerStateMachine trigger, SliceRing<Object> ring, Object slice) {
        OptionalDouble value = metric.read();
        trigger.observe(value);
        ring.add(Clock.systemUTC().instant(), slice);
    }
}
