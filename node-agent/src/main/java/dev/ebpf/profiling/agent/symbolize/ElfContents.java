package dev.ebpf.profiling.agent.symbolize;

import java.util.List;

/**
 * What the ELF reader takes from one file.
 *
 * @param functions function symbols of .symtab and .dynsym
 * @param segments  the PT_LOAD segments
 * @param buildId   the GNU build id in hex, or null: it names the file's separate debug file
 * @param hasSymtab whether the file has a .symtab (a stripped file keeps only .dynsym, the
 *                  exported functions, and finds the others in its debug file)
 */
record ElfContents(List<SymbolTable.Symbol> functions, List<LoadSegment> segments, String buildId, boolean hasSymtab) {}
