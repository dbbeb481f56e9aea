package dev.ebpf.profiling.agent.symbolize;

/**
 * A PT_LOAD program header: the bytes at {@code fileOffset} in the file are loaded at
 * {@code virtualAddress} (plus the load bias for position-independent files).
 */
record LoadSegment(long fileOffset, long virtualAddress, long fileSize) {

    boolean containsFileOffset(long offset) {
        return offset >= fileOffset && offset < fileOffset + fileSize;
    }

    /** The link-time virtual address (the one symbols use) of a file offset in this segment. */
    long virtualAddressOf(long offset) {
        return offset - fileOffset + virtualAddress;
    }
}
