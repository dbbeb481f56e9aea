package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.agent.sampler.OffCpuSampler;
import dev.ebpf.profiling.agent.sampler.OnCpuSampler;
import dev.ebpf.profiling.agent.sampler.RawOffCpuSlice;
import dev.ebpf.profiling.agent.sampler.RawSlice;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The samplers a cluster job runs on this node: on-CPU always (it gives the top applications),
 * off-CPU when the job asks for it. Both share one cgroup filter and are cut together.
 */
final class NodeSamplers implements AutoCloseable {

    /** Off-CPU blocks shorter than this are ignored in the kernel, as the CLI's default. */
    static final Duration MIN_BLOCK = Duration.ofMillis(1);

    /** What one cut of both samplers gave. */
    record Cut(RawSlice onCpu, RawOffCpuSlice offCpu) {}

    private final OnCpuSampler onCpu;
    private final OffCpuSampler offCpu;

    private NodeSamplers(OnCpuSampler onCpu, OffCpuSampler offCpu) {
        this.onCpu = onCpu;
        this.offCpu = offCpu;
    }

    /**
     * @param nodeWide true: every process; false: only {@code allowed} cgroups (none while it is empty)
     */
    static NodeSamplers start(
            List<Integer> cpus, int frequencyHz, boolean offCpu, boolean nodeWide, Set<Long> allowed) {
        OnCpuSampler on = OnCpuSampler.start(
                nodeWide
                        ? OnCpuSampler.Settings.of(cpus, frequencyHz, Set.of())
                        : OnCpuSampler.Settings.onlyCgroups(cpus, frequencyHz, allowed));
        if (!offCpu) {
            return new NodeSamplers(on, null);
        }
        try {
            OffCpuSampler off = OffCpuSampler.start(
                    nodeWide
                            ? new OffCpuSampler.Settings(cpus, Set.of(), MIN_BLOCK.toNanos())
                            : OffCpuSampler.Settings.onlyCgroups(cpus, allowed, MIN_BLOCK.toNanos()));
            return new NodeSamplers(on, off);
        } catch (RuntimeException e) {
            on.close();
            throw e;
        }
    }

    /** Follows the job's pods: from now on only these cgroups count. */
    void allowOnly(Set<Long> allowed) {
        onCpu.replaceAllowedCgroups(allowed);
        if (offCpu != null) {
            offCpu.replaceAllowedCgroups(allowed);
        }
    }

    Cut cut() {
        RawSlice on = onCpu.cut();
        return new Cut(on, offCpu == null ? null : offCpu.cut());
    }

    @Override
    public void close() {
        try {
            onCpu.close();
        } finally {
            if (offCpu != null) {
                offCpu.close();
            }
        }
    }
}
