package dev.ebpf.profiling.agent.sampler;

/**
 * What the net-rx program counted in one slice besides its keyed maps.
 *
 * @param reads             reads that consumed data whose ready time was stamped
 * @param unstampedReads    reads of data that became ready unseen (before the program was attached,
 *                          or its socket's stamp was evicted): counted in bytes, without a delay
 * @param filteredOut       reads by tasks outside the cgroup filter
 * @param lostAppMapFull    reads lost because the application map was full
 * @param lostWorstMapFull  waits not kept per socket because the worst-wait map was full
 * @param lostSoftirqMapFull softirq runs lost because the softirq map was full
 */
public record NetRxCounters(
        long reads,
        long unstampedReads,
        long filteredOut,
        long lostAppMapFull,
        long lostWorstMapFull,
        long lostSoftirqMapFull) {

    public static final NetRxCounters NONE = new NetRxCounters(0, 0, 0, 0, 0, 0);

    /** Everything the kernel dropped for want of map room. */
    public long lostTotal() {
        return lostAppMapFull + lostWorstMapFull + lostSoftirqMapFull;
    }

    public NetRxCounters plus(NetRxCounters other) {
        return new NetRxCounters(
                reads + other.reads,
                unstampedReads + other.unstampedReads,
                filteredOut + other.filteredOut,
                lostAppMapFull + other.lostAppMapFull,
                lostWorstMapFull + other.lostWorstMapFull,
                lostSoftirqMapFull + other.lostSoftirqMapFull);
    }
}
