package dev.ebpf.profiling.agent.sink;

/**
 * What the spool had to throw away: counted, never silent.
 *
 * @param slices     how many slices were dropped since the sink started
 * @param bytes      their spool size
 * @param lastReason one line naming the last dropped slice and why; empty if none
 */
public record DroppedSlices(long slices, long bytes, String lastReason) {

    static final DroppedSlices NONE = new DroppedSlices(0, 0, "");

    DroppedSlices plus(long droppedBytes, String reason) {
        return new DroppedSlices(slices + 1, bytes + droppedBytes, reason);
    }
}
