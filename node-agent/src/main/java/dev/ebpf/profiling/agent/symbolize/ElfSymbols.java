package dev.ebpf.profiling.agent.symbolize;

import dev.ebpf.profiling.api.profile.Frame;
import java.util.ArrayList;
import java.util.List;

/**
 * What one ELF file tells the symbolizer: its functions and how its file offsets map to the
 * virtual addresses those functions are linked at. A file that could not be read keeps the
 * reason and names every frame {@code [module+0xoffset]}.
 *
 * @param symbols  the functions of .symtab and .dynsym
 * @param segments the PT_LOAD segments
 * @param problem  why no symbols could be read, or null
 */
record ElfSymbols(SymbolTable symbols, List<LoadSegment> segments, String problem) {

    /** The symbols of a file, with those of its debug file when it has one. */
    static ElfSymbols of(ElfContents file, List<SymbolTable.Symbol> debugFunctions) {
        List<SymbolTable.Symbol> functions = new ArrayList<>(file.functions());
        functions.addAll(debugFunctions);
        return new ElfSymbols(new SymbolTable(functions), file.segments(), null);
    }

    static ElfSymbols unreadable(String problem) {
        return new ElfSymbols(SymbolTable.EMPTY, List.of(), problem);
    }

    /**
     * The frame of an address at this file offset. Going through the PT_LOAD segment makes one
     * rule serve both fixed-address executables (ET_EXEC) and position-independent ones
     * (ET_DYN: PIE executables, shared objects) whatever the load bias.
     */
    Frame resolve(long fileOffset, String module, Frame.Origin origin) {
        for (LoadSegment segment : segments) {
            if (segment.containsFileOffset(fileOffset)) {
                String name = symbols.lookup(segment.virtualAddressOf(fileOffset));
                return name == null
                        ? Frames.unnamed(module, fileOffset, origin)
                        : Demangler.frame(name, module, origin);
            }
        }
        return Frames.unnamed(module, fileOffset, origin);
    }
}
