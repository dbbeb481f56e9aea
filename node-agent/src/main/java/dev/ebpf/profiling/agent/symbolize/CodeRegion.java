package dev.ebpf.profiling.agent.symbolize;

import dev.ebpf.profiling.api.profile.Frame;

/**
 * An executable mapping of one process, with what its frames need worked out once per slice
 * rather than once per frame: the module name, whose code it is, and the file's symbols.
 *
 * @param mapping the mapping
 * @param module  the file's name, or null for anonymous memory
 * @param origin  the process's own executable or a library (for file-backed mappings)
 * @param symbols the file's symbols; null when the mapping is not backed by a file
 */
record CodeRegion(MemoryMapping mapping, String module, Frame.Origin origin, ElfSymbols symbols) {

    static CodeRegion of(MemoryMapping mapping, ProcessImage process, ElfSymbols symbols) {
        if (!mapping.isFileBacked()) {
            return new CodeRegion(mapping, null, Frame.Origin.UNKNOWN, null);
        }
        Frame.Origin origin = process.isExecutable(mapping) ? Frame.Origin.EXECUTABLE : Frame.Origin.LIBRARY;
        return new CodeRegion(mapping, mapping.moduleName(), origin, symbols);
    }

    Frame resolve(long address) {
        return symbols.resolve(mapping.fileOffsetOf(address), module, origin);
    }
}
