package dev.ebpf.profiling.agent.symbolize;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A JIT's symbol file, {@code /tmp/perf-PID.map}: one {@code START SIZE name} line (hex numbers)
 * per generated function, as the JVM's perf-map output and Node's {@code --perf-basic-prof} write.
 */
final class PerfMap {

    /** The module name of JIT frames. */
    static final String MODULE = "[jit]";

    static final PerfMap NONE = new PerfMap(SymbolTable.EMPTY, 0);

    private final SymbolTable symbols;
    private final int skippedLines;

    private PerfMap(SymbolTable symbols, int skippedLines) {
        this.symbols = symbols;
        this.skippedLines = skippedLines;
    }

    /** A JIT map bigger than this is not read: a JVM's rarely passes tens of MB, and a container could write any size. */
    static final long MAX_BYTES = 256L << 20;

    /** Reads an opened map file (see {@link ConfinedFile}). */
    static PerfMap read(ConfinedFile file) throws IOException {
        try (BufferedReader reader = new BufferedReader(Channels.newReader(file.channel(), StandardCharsets.UTF_8))) {
            return parse(reader);
        }
    }

    /**
     * A JIT appends while it runs, so a line may be cut short or a name may hold spaces; a line
     * that does not parse is skipped (and counted) rather than failing the whole map.
     */
    static PerfMap parse(BufferedReader reader) throws IOException {
        List<SymbolTable.Symbol> symbols = new ArrayList<>();
        int skipped = 0;
        for (String line; (line = reader.readLine()) != null; ) {
            String[] fields = line.trim().split("\\s+", 3);
            if (fields.length < 3) {
                skipped += line.isBlank() ? 0 : 1;
                continue;
            }
            try {
                long start = Long.parseUnsignedLong(stripHexPrefix(fields[0]), 16);
                long size = Long.parseUnsignedLong(stripHexPrefix(fields[1]), 16);
                if (size > 0) {
                    // Later lines win: a JIT may reuse an address range for newer code.
                    symbols.add(new SymbolTable.Symbol(start, size, fields[2], -symbols.size()));
                }
            } catch (NumberFormatException e) {
                skipped++;
            }
        }
        return new PerfMap(new SymbolTable(symbols), skipped);
    }

    private static String stripHexPrefix(String number) {
        return number.startsWith("0x") || number.startsWith("0X") ? number.substring(2) : number;
    }

    /** Lines that did not parse: a line being written as the map was read, or a foreign format. */
    int skippedLines() {
        return skippedLines;
    }

    int size() {
        return symbols.size();
    }

    /** The JIT function at this address, or null. */
    String lookup(long address) {
        return symbols.lookup(address);
    }
}
