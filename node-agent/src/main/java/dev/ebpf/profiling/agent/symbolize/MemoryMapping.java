package dev.ebpf.profiling.agent.symbolize;

/**
 * One line of {@code /proc/PID/maps}.
 *
 * @param start      first address (inclusive)
 * @param end        end address (exclusive)
 * @param executable whether the pages may run code ({@code x} permission)
 * @param fileOffset offset in the file of the first mapped byte
 * @param file       the mapped file's identity; inode 0 for anonymous memory
 * @param path       the path as the process sees it, {@code [heap]}-style names, or "" for none
 */
public record MemoryMapping(long start, long end, boolean executable, long fileOffset, FileIdentity file, String path) {

    private static final String DELETED_SUFFIX = " (deleted)";

    public boolean contains(long address) {
        return Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address, end) < 0;
    }

    /** Backed by a file on disk (not anonymous memory, the heap, the stack or the vDSO). */
    public boolean isFileBacked() {
        return file.inode() != 0 && path.startsWith("/");
    }

    /**
     * Anonymous memory: no path, or a name given by prctl ({@code [anon:...]}). Executable
     * anonymous memory holds code generated at run time (JIT), unlike {@code [vdso]}.
     */
    public boolean isAnonymous() {
        return path.isEmpty() || path.startsWith("[anon");
    }

    /** The path without the {@code (deleted)} mark the kernel adds for files removed since. */
    public String filePath() {
        return withoutDeletedMark(path);
    }

    /** A path as /proc shows it (maps, the exe link) without the {@code (deleted)} mark. */
    static String withoutDeletedMark(String path) {
        return path.endsWith(DELETED_SUFFIX) ? path.substring(0, path.length() - DELETED_SUFFIX.length()) : path;
    }

    /** The file's name without directories: how frames name their module. */
    public String moduleName() {
        String filePath = filePath();
        return filePath.substring(filePath.lastIndexOf('/') + 1);
    }

    /** The offset in the file of a runtime address inside this mapping. */
    public long fileOffsetOf(long address) {
        return address - start + fileOffset;
    }
}
