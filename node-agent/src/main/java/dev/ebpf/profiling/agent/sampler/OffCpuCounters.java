package dev.ebpf.profiling.agent.sampler;

import dev.ebpf.profiling.api.profile.LostSamples;

/**
 * What the off-CPU program counted in one slice besides the keyed blocked time.
 *
 * @param blocks       blocks of at least the minimum length that ended in the slice
 * @param shortBlocks  blocks dropped in the kernel as shorter than the minimum
 * @param filteredOut  switch-outs of tasks outside the cgroup filter
 * @param lostTasks    switch-outs not tracked because the task map was full (those blocks are gone)
 * @param lost         blocks lost to a full count map, and switch-outs whose stack walk failed
 */
public record OffCpuCounters(long blocks, long shortBlocks, long filteredOut, long lostTasks, LostSamples lost) {

    /** Everything the kernel dropped or could only record in part. */
    public long lostTotal() {
        return lostTasks + lost.total();
    }
}
