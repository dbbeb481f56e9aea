package dev.ebpf.profiling.agent.sampler;

import dev.ebpf.profiling.api.profile.LostSamples;

/**
 * What the kernel counted for one slice besides the keyed samples.
 *
 * @param samplesPerCpu on-CPU samples counted, by CPU number
 * @param idle          samples that found the CPU idle (not counted for any application)
 * @param filteredOut   samples of tasks outside the cgroup filter
 * @param lost          samples or stacks the kernel could not record
 */
public record SliceCounters(long[] samplesPerCpu, long idle, long filteredOut, LostSamples lost) {

    public long samples() {
        long total = 0;
        for (long perCpu : samplesPerCpu) {
            total += perCpu;
        }
        return total;
    }
}
