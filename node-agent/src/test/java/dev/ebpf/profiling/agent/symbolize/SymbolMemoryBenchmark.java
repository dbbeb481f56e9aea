package dev.ebpf.profiling.agent.symbolize;

import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Heap bytes per symbol (issue 9), side by side on the same symbols: a String per name, as the
 * symbol tables held them before, against the names in one byte array with offsets
 * ({@link SymbolNames}), as they are held now. The symbols are this machine's: the kernel's text
 * symbols (/proc/kallsyms) and the functions of this JVM's libjvm.so. Each figure is the heap a
 * table keeps alive (its start and end addresses and its names), from the 64-bit JVM's object
 * layout with compressed references (the default below 32 GiB of heap): an array is a 16-byte
 * header and its elements, a String 24 bytes plus its byte array, every object a multiple of 8.
 * (Heap used after a full GC says the same under the serial GC; G1 puts arrays over half a region
 * in whole regions, which adds a region's rounding to the compact arrays.)
 *
 * <pre>
 * mvn -B -ntp -o -pl node-agent -am test -Dtest=SymbolMemoryBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dspotless.check.skip=true -Dsymbols.benchmark=true
 * </pre>
 */
class SymbolMemoryBenchmark {

    private static final long ARRAY_HEADER_BYTES = 16;
    /** A String: 12-byte header, its array reference, hash, coder and flags, rounded to 8. */
    private static final long STRING_BYTES = 24;

    @Test
    @EnabledIfSystemProperty(named = "symbols.benchmark", matches = "true")
    void benchmark() throws Exception {
        List<SymbolTable.Symbol> kernel = kernelTextSymbols();
        Path libjvm = Path.of(System.getProperty("java.home"), "lib", "server", "libjvm.so");
        List<SymbolTable.Symbol> jvm = ElfReader.read(libjvm).functions();
        System.out.printf(
                Locale.ROOT,
                "%-28s %9s %12s %14s %14s %7s%n",
                "symbols",
                "count",
                "mean name B",
                "String B/sym",
                "compact B/sym",
                "ratio");
        report("kernel (kallsyms text)", kernel);
        report("libjvm.so functions", jvm);
    }

    private static void report(String what, List<SymbolTable.Symbol> symbols) {
        double meanName = symbols.stream()
                .mapToInt(s -> s.name().getBytes(StandardCharsets.UTF_8).length)
                .average()
                .orElse(0);
        long strings = stringTableBytes(symbols);
        long compact = new SymbolTable(symbols).heapBytes();
        System.out.printf(
                Locale.ROOT,
                "%-28s %9d %12.1f %14.1f %14.1f %7.2f%n",
                what,
                symbols.size(),
                meanName,
                (double) strings / symbols.size(),
                (double) compact / symbols.size(),
                (double) strings / compact);
    }

    /** A table of a String per name: two long arrays, a reference array, and each String with its bytes. */
    private static long stringTableBytes(List<SymbolTable.Symbol> symbols) {
        long bytes = 2 * array(8L * symbols.size()) + array(4L * symbols.size());
        for (SymbolTable.Symbol symbol : symbols) {
            bytes += STRING_BYTES + array(symbol.name().getBytes(StandardCharsets.UTF_8).length);
        }
        return bytes;
    }

    /** An array of this many bytes of elements, with its header, rounded up to 8. */
    private static long array(long elementBytes) {
        return (ARRAY_HEADER_BYTES + elementBytes + 7) & ~7L;
    }

    /** The kernel's text symbols, with a size of 1 (kallsyms has none; the size costs the same either way). */
    private static List<SymbolTable.Symbol> kernelTextSymbols() throws Exception {
        List<SymbolTable.Symbol> symbols = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(KernelSymbols.PROC_KALLSYMS)) {
            for (String line; (line = reader.readLine()) != null; ) {
                String[] fields = line.split("\\s+");
                char type = fields.length >= 3 ? fields[1].charAt(0) : ' ';
                if (type == 't' || type == 'T' || type == 'w' || type == 'W') {
                    symbols.add(new SymbolTable.Symbol(Long.parseUnsignedLong(fields[0], 16), 1, fields[2], 0));
                }
            }
        }
        return symbols;
    }
}
