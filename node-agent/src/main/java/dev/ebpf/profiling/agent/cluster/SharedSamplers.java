package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.agent.bpf.BpfException;
import dev.ebpf.profiling.agent.bpf.SamplingEvent;
import dev.ebpf.profiling.agent.sampler.BlockedThread;
import dev.ebpf.profiling.agent.sampler.CpuTimeSampler;
import dev.ebpf.profiling.agent.sampler.NetRxSampler;
import dev.ebpf.profiling.agent.sampler.OffCpuSampler;
import dev.ebpf.profiling.agent.sampler.OnCpuSampler;
import dev.ebpf.profiling.agent.sampler.RawCpuTimeSlice;
import dev.ebpf.profiling.agent.sampler.RawNetRxSlice;
import dev.ebpf.profiling.agent.sampler.Unwinding;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The one sampler set of a node serving several jobs: one on-CPU sampler, one off-CPU sampler
 * while some job asks for off-CPU (or net-rx, whose late readers need it), and one net-rx sampler
 * while some job asks for net-rx. Their in-kernel filters are the union of the active jobs':
 * perf events on the union of their CPUs, at the highest rate they ask for, and a cgroup filter
 * admitting every selected pod's cgroup. A node-wide job puts the root cgroup in the filter, which
 * admits every task (the same as no filter, but it can be changed in place).
 *
 * <p>{@link #apply} changes what the samplers do without reloading them: the cgroup filter is
 * replaced in place; a new rate or CPU set re-opens the perf events of the loaded program (the maps
 * stay). Only the off-CPU sampler, whose CPU filter is fixed at load, is started again when the
 * CPU set changes. Callers cut before a change of rate or CPUs, so each cut has one of each.
 *
 * <p>The on-CPU sampler walks user stacks with DWARF while any served job asks for it: the walk is
 * fixed when the program is loaded, so a change of {@link Plan#unwinding} loads it again (after a
 * cut), and each cut says which walk its stacks came from.
 */
final class SharedSamplers implements AutoCloseable {

    /** Off-CPU blocks shorter than this are ignored in the kernel, as the CLI's default. */
    static final java.time.Duration MIN_BLOCK = java.time.Duration.ofMillis(1);

    /**
     * What one cut of the samplers gave; {@code offCpu} and {@code netRx} are null while that sampler
     * is not running, {@code cpuTime} while the CPU time program cannot run (CPU% then comes from
     * samples).
     */
    record Cut(
            dev.ebpf.profiling.agent.sampler.RawSlice onCpu,
            dev.ebpf.profiling.agent.sampler.RawOffCpuSlice offCpu,
            RawCpuTimeSlice cpuTime,
            RawNetRxSlice netRx) {

        Cut(dev.ebpf.profiling.agent.sampler.RawSlice onCpu, dev.ebpf.profiling.agent.sampler.RawOffCpuSlice offCpu) {
            this(onCpu, offCpu, null, null);
        }

        Cut(
                dev.ebpf.profiling.agent.sampler.RawSlice onCpu,
                dev.ebpf.profiling.agent.sampler.RawOffCpuSlice offCpu,
                RawCpuTimeSlice cpuTime) {
            this(onCpu, offCpu, cpuTime, null);
        }
    }

    /**
     * What the samplers should do.
     *
     * @param cpus        CPUs to sample (the union of the active jobs')
     * @param frequencyHz on-CPU rate
     * @param cgroups     cgroup ids the filter admits (the root cgroup admits everything)
     * @param offCpu      whether the off-CPU sampler runs
     * @param netRx       whether the net-rx sampler runs
     * @param unwinding   how the on-CPU sampler walks user stacks (DWARF while any job asks for it)
     */
    record Plan(
            List<Integer> cpus,
            int frequencyHz,
            Set<Long> cgroups,
            boolean offCpu,
            boolean netRx,
            Unwinding unwinding) {
        Plan {
            cpus = List.copyOf(cpus);
            cgroups = Set.copyOf(cgroups);
        }

        /** With frame pointers. */
        Plan(List<Integer> cpus, int frequencyHz, Set<Long> cgroups, boolean offCpu, boolean netRx) {
            this(cpus, frequencyHz, cgroups, offCpu, netRx, Unwinding.FRAME_POINTERS);
        }

        /** With frame pointers, without net-rx. */
        Plan(List<Integer> cpus, int frequencyHz, Set<Long> cgroups, boolean offCpu) {
            this(cpus, frequencyHz, cgroups, offCpu, false);
        }

        /**
         * Whether going from {@code other} to this needs a cut first (rate, CPUs, off-CPU, net-rx or
         * unwinding change): each cut then has one of each.
         */
        boolean needsCutFrom(Plan other) {
            return other == null
                    || !cpus.equals(other.cpus)
                    || frequencyHz != other.frequencyHz
                    || offCpu != other.offCpu
                    || netRx != other.netRx
                    || unwinding != other.unwinding;
        }
    }

    private final SamplingEvent preferredEvent;
    private OnCpuSampler onCpu;
    private OffCpuSampler offCpu;
    private CpuTimeSampler cpuTime;
    private NetRxSampler netRx;
    private Plan plan;
    private final AtomicInteger onCpuStarts = new AtomicInteger();

    /** Starts the off-CPU sampler; tests give one that fails as a node without tracefs would. */
    private final Function<OffCpuSampler.Settings, OffCpuSampler> offCpuStarter;
    /** Why the off-CPU sampler cannot run on this node, once it failed to start; null until then. */
    private volatile String offCpuUnavailable;
    /** Starts the CPU time program; tests give one that fails as an old kernel would. */
    private final Function<CpuTimeSampler.Settings, CpuTimeSampler> cpuTimeStarter;
    /** Why the CPU time program cannot run on this node, once it failed to start; null until then. */
    private volatile String cpuTimeUnavailable;
    /** Starts the net-rx sampler; tests give one that fails as a kernel without its tracepoints would. */
    private final Function<NetRxSampler.Settings, NetRxSampler> netRxStarter;
    /** Why the net-rx sampler cannot run on this node, once it failed to start; null until then. */
    private volatile String netRxUnavailable;

    /** @param blockedNow the threads off the CPU right now, tracked from the off-CPU sampler's start */
    SharedSamplers(SamplingEvent preferredEvent, Supplier<List<BlockedThread>> blockedNow) {
        this(preferredEvent, settings -> OffCpuSampler.start(settings, blockedNow));
    }

    SharedSamplers(SamplingEvent preferredEvent, Function<OffCpuSampler.Settings, OffCpuSampler> offCpuStarter) {
        this(preferredEvent, offCpuStarter, CpuTimeSampler::start);
    }

    SharedSamplers(
            SamplingEvent preferredEvent,
            Function<OffCpuSampler.Settings, OffCpuSampler> offCpuStarter,
            Function<CpuTimeSampler.Settings, CpuTimeSampler> cpuTimeStarter) {
        this(preferredEvent, offCpuStarter, cpuTimeStarter, NetRxSampler::start);
    }

    SharedSamplers(
            SamplingEvent preferredEvent,
            Function<OffCpuSampler.Settings, OffCpuSampler> offCpuStarter,
            Function<CpuTimeSampler.Settings, CpuTimeSampler> cpuTimeStarter,
            Function<NetRxSampler.Settings, NetRxSampler> netRxStarter) {
        this.preferredEvent = preferredEvent;
        this.offCpuStarter = offCpuStarter;
        this.cpuTimeStarter = cpuTimeStarter;
        this.netRxStarter = netRxStarter;
    }

    /**
     * Why exact CPU time is not available on this node (one line), once the program failed to
     * start: the jobs' CPU% then comes from samples, and it is not tried again until the agent
     * restarts.
     */
    Optional<String> cpuTimeUnavailable() {
        return Optional.ofNullable(cpuTimeUnavailable);
    }

    /** Why the net-rx profiler is not available on this node (one line), once it failed to start. */
    Optional<String> netRxUnavailable() {
        return Optional.ofNullable(netRxUnavailable);
    }

    /**
     * Why off-CPU sampling is not available on this node (one line), once it failed to start: the
     * jobs that ask for it get on-CPU slices and this as a limitation, and it is not tried again
     * until the agent restarts (a node's tracefs or BTF does not appear by itself).
     */
    Optional<String> offCpuUnavailable() {
        return Optional.ofNullable(offCpuUnavailable);
    }

    /** Makes the samplers do {@code wanted}, starting them the first time. */
    void apply(Plan wanted) {
        if (onCpu != null && wanted.unwinding() != plan.unwinding()) {
            // The walk is chosen when the program is loaded (DWARF needs its tables' maps and the
            // unwinder): load it again. The caller cut first, so nothing counted is lost.
            onCpu.close();
            onCpu = null;
        }
        if (onCpu == null) {
            onCpu = OnCpuSampler.start(new OnCpuSampler.Settings(
                    wanted.cpus(),
                    wanted.frequencyHz(),
                    true,
                    wanted.cgroups(),
                    preferredEvent,
                    0,
                    wanted.unwinding()));
            onCpuStarts.incrementAndGet();
            if (cpuTime == null && cpuTimeUnavailable == null) {
                startCpuTime(wanted);
            } else if (cpuTime != null && !wanted.cgroups().equals(plan.cgroups())) {
                cpuTime.replaceAllowedCgroups(wanted.cgroups());
            }
        } else {
            if (!wanted.cpus().equals(plan.cpus()) || wanted.frequencyHz() != plan.frequencyHz()) {
                onCpu.reopen(wanted.cpus(), wanted.frequencyHz());
            }
            if (!wanted.cgroups().equals(plan.cgroups())) {
                onCpu.replaceAllowedCgroups(wanted.cgroups());
                if (cpuTime != null) {
                    cpuTime.replaceAllowedCgroups(wanted.cgroups());
                }
            }
        }
        if (offCpu != null && (!wanted.offCpu() || !wanted.cpus().equals(plan.cpus()))) {
            offCpu.close();
            offCpu = null;
        }
        if (wanted.offCpu() && offCpu == null && offCpuUnavailable == null) {
            try {
                offCpu = offCpuStarter.apply(
                        OffCpuSampler.Settings.onlyCgroups(wanted.cpus(), wanted.cgroups(), MIN_BLOCK.toNanos()));
            } catch (BpfException e) {
                // Not essential: on-CPU goes on, and every report says why off-CPU is missing.
                offCpuUnavailable = e.getMessage();
            }
        } else if (offCpu != null && !wanted.cgroups().equals(plan.cgroups())) {
            offCpu.replaceAllowedCgroups(wanted.cgroups());
        }
        applyNetRx(wanted);
        plan = wanted;
    }

    /**
     * Counts every CPU's running time in the kernel (each key carries its CPU, so the CPU set never
     * needs a restart), filtered by the same cgroups as the samples.
     */
    private void startCpuTime(Plan wanted) {
        try {
            cpuTime = cpuTimeStarter.apply(CpuTimeSampler.Settings.onlyCgroups(wanted.cgroups()));
        } catch (BpfException e) {
            // Not essential: CPU% comes from samples, and every report says why.
            cpuTimeUnavailable = e.getMessage();
        }
    }

    /** The net-rx sampler, like the off-CPU one: its CPU filter is fixed at load, its cgroup filter is not. */
    private void applyNetRx(Plan wanted) {
        if (netRx != null && (!wanted.netRx() || !wanted.cpus().equals(plan.cpus()))) {
            netRx.close();
            netRx = null;
        }
        if (wanted.netRx() && netRx == null && netRxUnavailable == null) {
            try {
                netRx = netRxStarter.apply(NetRxSampler.Settings.onlyCgroups(wanted.cpus(), wanted.cgroups()));
            } catch (BpfException e) {
                // Not essential either: the other samplers go on, and every report says why.
                netRxUnavailable = e.getMessage();
            }
        } else if (netRx != null && !wanted.cgroups().equals(plan.cgroups())) {
            netRx.replaceAllowedCgroups(wanted.cgroups());
        }
    }

    /** Cuts every running sampler now: what they counted since the previous cut. */
    Cut cut() {
        return new Cut(
                onCpu.cut(),
                offCpu == null ? null : offCpu.cut(),
                cpuTime == null ? null : cpuTime.cut(),
                netRx == null ? null : netRx.cut());
    }

    boolean started() {
        return onCpu != null;
    }

    Plan plan() {
        return plan;
    }

    /**
     * How many times the on-CPU program was loaded: once, and again each time the unwinding the
     * jobs ask for changes.
     */
    int onCpuStarts() {
        return onCpuStarts.get();
    }

    @Override
    public void close() {
        try {
            if (onCpu != null) {
                onCpu.close();
            }
        } finally {
            onCpu = null;
            if (offCpu != null) {
                offCpu.close();
                offCpu = null;
            }
            if (cpuTime != null) {
                cpuTime.close();
                cpuTime = null;
            }
            if (netRx != null) {
                netRx.close();
                netRx = null;
            }
            plan = null;
        }
    }
}
