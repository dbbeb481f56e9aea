package dev.ebpf.profiling.agent.sink;

/**
 * How much the local spool may hold while the object store is unreachable.
 *
 * @param maxBytes  total size of the spool files
 * @param maxSlices number of slices (one file each)
 */
public record SpoolBounds(long maxBytes, int maxSlices) {

    public SpoolBounds {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("spool maxBytes must be positive, got " + maxBytes);
        }
        if (maxSlices <= 0) {
            throw new IllegalArgumentException("spool maxSlices must be positive, got " + maxSlices);
        }
    }
}
