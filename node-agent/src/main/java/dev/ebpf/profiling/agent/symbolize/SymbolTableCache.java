package dev.ebpf.profiling.agent.symbolize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * ELF symbols by file identity, so a binary that a thousand processes map is read once. Files
 * that are not readable ELF (32-bit, corrupt) are remembered too, with their reason, so they are
 * not retried each slice. Files that could not be opened (the process and its mount namespace
 * went away) are not remembered: another process may reach them later. The least recently used
 * entries go first once the cache is full, and {@link #expire} drops those no slice used lately:
 * a file's symbols are read when samples land in it, and need not outlive its use.
 */
final class SymbolTableCache {

    private final Map<FileIdentity, ElfSymbols> entries;
    /** When each entry was last asked for (System.nanoTime). */
    private final Map<FileIdentity, Long> lastUsed = new java.util.HashMap<>();

    private long fileReads;
    private long debugFileReads;

    SymbolTableCache(int capacity) {
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<FileIdentity, ElfSymbols> eldest) {
                if (size() > capacity) {
                    lastUsed.remove(eldest.getKey());
                    return true;
                }
                return false;
            }
        };
    }

    /**
     * The symbols of a file, read from the first of the candidate paths that opens (the same
     * file as seen through different processes' roots) unless already cached. A file stripped
     * of its .symtab gets the functions of its separate debug file (distributions ship them as
     * {@code /usr/lib/debug/.build-id/xx/yyyy.debug}), found by build id among debugFiles.
     */
    synchronized ElfSymbols get(FileIdentity identity, List<Path> candidates, Function<String, List<Path>> debugFiles) {
        lastUsed.put(identity, System.nanoTime());
        ElfSymbols cached = entries.get(identity);
        if (cached != null) {
            return cached;
        }
        String lastProblem = "no path to read it from";
        for (Path candidate : candidates) {
            fileReads++;
            try {
                ElfContents file = ElfReader.read(candidate);
                List<SymbolTable.Symbol> debugFunctions = file.hasSymtab() || file.buildId() == null
                        ? List.of()
                        : debugFunctions(debugFiles.apply(file.buildId()));
                ElfSymbols symbols = ElfSymbols.of(file, debugFunctions);
                entries.put(identity, symbols);
                return symbols;
            } catch (ElfFormatException e) {
                ElfSymbols unreadable = ElfSymbols.unreadable(e.getMessage());
                entries.put(identity, unreadable);
                return unreadable;
            } catch (IOException e) {
                lastProblem = candidate + ": " + e;
            }
        }
        lastUsed.remove(identity);
        return ElfSymbols.unreadable(lastProblem);
    }

    /** Drops the files not asked for since {@code unusedSinceNanos} (System.nanoTime). */
    synchronized void expire(long unusedSinceNanos) {
        lastUsed.entrySet().removeIf(entry -> {
            if (entry.getValue() - unusedSinceNanos < 0) {
                entries.remove(entry.getKey());
                return true;
            }
            return false;
        });
    }

    /** The heap bytes of the cached symbol tables (addresses and names), for benchmarks. */
    synchronized long heapBytes() {
        return entries.values().stream()
                .mapToLong(symbols -> symbols.symbols().heapBytes())
                .sum();
    }

    /** The functions of the first debug file that reads; none when there is none. */
    private List<SymbolTable.Symbol> debugFunctions(List<Path> debugFiles) {
        for (Path debugFile : debugFiles) {
            if (!Files.isRegularFile(debugFile)) {
                continue;
            }
            debugFileReads++;
            try {
                ElfContents debug = ElfReader.read(debugFile);
                if (debug.hasSymtab()) {
                    return debug.functions();
                }
            } catch (IOException | ElfFormatException e) {
                // A broken debug file costs names only: frames fall back to [module+0xoffset].
            }
        }
        return List.of();
    }

    synchronized boolean contains(FileIdentity identity) {
        return entries.containsKey(identity);
    }

    /** Why each cached file that is not readable ELF gave no symbols (it names the file). */
    synchronized List<String> problems() {
        return entries.values().stream()
                .map(ElfSymbols::problem)
                .filter(Objects::nonNull)
                .sorted()
                .toList();
    }

    /** How many times a file was opened to read symbols: the measure of the cache's worth. */
    synchronized long fileReads() {
        return fileReads;
    }

    /** How many times a separate debug file was opened. */
    synchronized long debugFileReads() {
        return debugFileReads;
    }

    synchronized int size() {
        return entries.size();
    }
}
