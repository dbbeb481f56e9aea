package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.agent.bpf.BpfException;
import dev.ebpf.profiling.agent.bpf.SamplingEvent;
import dev.ebpf.profiling.agent.sampler.BlockedThread;
import dev.ebpf.profiling.agent.sampler.OffCpuSampler;
import dev.ebpf.profiling.agent.sampler.OnCpuSampler;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The one sampler set of a node serving several jobs: one on-CPU sampler, and one off-CPU sampler
 * while some job asks for off-CPU. Their in-kernel filters are the union of the active jobs':
 * perf events on the union of their CPUs, at the highest rate they ask for, and a cgroup filter
 * admitting every selected pod's cgroup. A node-wide job puts the root cgroup in the filter, which
 * admits every task (the same as no filter, but it can be changed in place).
 *
 * <p>{@link #apply} changes what the samplers do without reloading them: the cgroup filter is
 * replaced in place; a new rate or CPU set re-opens the perf events of the loaded program (the maps
 * stay). Only the off-CPU sampler, whose CPU filter is fixed at load, is started again when the
 * CPU set changes. Callers cut before a change of rate or CPUs, so each cut has one of each.
 */
final class SharedSamplers implements AutoCloseable {

    /** Off-CPU blocks shorter than this are ignored in the kernel, as the CLI's default. */
    static final java.time.Duration MIN_BLOCK = java.time.Duration.ofMillis(1);

    /** What one cut of both samplers gave; {@code offCpu} is null while the off-CPU sampler is not running. */
    record Cut(
            dev.ebpf.profiling.agent.sampler.RawSlice onCpu, dev.ebpf.profiling.agent.sampler.RawOffCpuSlice offCpu) {}

    /**
     * What the samplers should do.
     *
     * @param cpus        CPUs to sample (the union of the active jobs')
     * @param frequencyHz on-CPU rate
     * @param cgroups     cgroup ids the filter admits (the root cgroup admits everything)
     * @param offCpu      whether the off-CPU sampler runs
     */
    record Plan(List<Integer> cpus, int frequencyHz, Set<Long> cgroups, boolean offCpu) {
        Plan {
            cpus = List.copyOf(cpus);
            cgroups = Set.copyOf(cgroups);
        }

        /** Whether going from {@code other} to this needs a cut first (rate, CPUs or off-CPU change). */
        boolean needsCutFrom(Plan other) {
            return other == null
                    || !cpus.equals(other.cpus)
                    || frequencyHz != other.frequencyHz
                    || offCpu != other.offCpu;
        }
    }

    private final SamplingEvent preferredEvent;
    private OnCpuSampler onCpu;
    private OffCpuSampler offCpu;
    private Plan plan;
    private final AtomicInteger onCpuStarts = new AtomicInteger();

    /** Starts the off-CPU sampler; tests give one that fails as a node without tracefs would. */
    private final Function<OffCpuSampler.Settings, OffCpuSampler> offCpuStarter;
    /** Why the off-CPU sampler cannot run on this node, once it failed to start; null until then. */
    private volatile String offCpuUnavailable;

    /** @param blockedNow the threads off the CPU right now, tracked from the off-CPU sampler's start */
    SharedSamplers(SamplingEvent preferredEvent, Supplier<List<BlockedThread>> blockedNow) {
        this(preferredEvent, settings -> OffCpuSampler.start(settings, blockedNow));
    }

    SharedSamplers(SamplingEvent preferredEvent, Function<OffCpuSampler.Settings, OffCpuSampler> offCpuStarter) {
        this.preferredEvent = preferredEvent;
        this.offCpuStarter = offCpuStarter;
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
        if (onCpu == null) {
            onCpu = OnCpuSampler.start(new OnCpuSampler.Settings(
                    wanted.cpus(), wanted.frequencyHz(), true, wanted.cgroups(), preferredEvent, 0));
            onCpuStarts.incrementAndGet();
        } else {
            if (!wanted.cpus().equals(plan.cpus()) || wanted.frequencyHz() != plan.frequencyHz()) {
                onCpu.reopen(wanted.cpus(), wanted.frequencyHz());
            }
            if (!wanted.cgroups().equals(plan.cgroups())) {
                onCpu.replaceAllowedCgroups(wanted.cgroups());
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
        plan = wanted;
    }

    /** Cuts both samplers now: what they counted since the previous cut. */
    Cut cut() {
        return new Cut(onCpu.cut(), offCpu == null ? null : offCpu.cut());
    }

    boolean started() {
        return onCpu != null;
    }

    Plan plan() {
        return plan;
    }

    /** How many times the on-CPU program was loaded (1 while the node keeps serving its jobs). */
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
            plan = null;
        }
    }
}
