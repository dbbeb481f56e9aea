package dev.ebpf.profiling.agent.sampler;

/**
 * Off-CPU time counted under one {@link OffCpuKey} in a slice.
 *
 * @param nanos   time off the CPU that fell in this slice
 * @param ended   blocks that ended in this slice (the task switched back in)
 * @param ongoing blocks still going on at the slice's end, whose part up to the end is in nanos
 */
public record BlockedTime(long nanos, long ended, long ongoing) {

    public BlockedTime {
        if (nanos < 0 || ended < 0 || ongoing < 0) {
            throw new IllegalArgumentException("blocked time and counts cannot be negative: " + nanos + " ns, " + ended
                    + " ended, " + ongoing + " ongoing");
        }
    }

    public BlockedTime plus(BlockedTime other) {
        return new BlockedTime(nanos + other.nanos, ended + other.ended, ongoing + other.ongoing);
    }

    public double seconds() {
        return nanos / 1e9;
    }
}
