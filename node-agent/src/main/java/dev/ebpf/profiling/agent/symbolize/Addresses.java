package dev.ebpf.profiling.agent.symbolize;

/** Search over address tables sorted as unsigned numbers (kernel addresses have the top bit set). */
final class Addresses {

    private Addresses() {}

    /** The index of the last element <= address, or -1 when every element is greater. */
    static int floorIndex(long[] sorted, long address) {
        int low = 0;
        int high = sorted.length - 1;
        int found = -1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (Long.compareUnsigned(sorted[mid], address) <= 0) {
                found = mid;
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return found;
    }
}
