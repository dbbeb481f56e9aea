package dev.ebpf.profiling.agent.symbolize;

import dev.ebpf.profiling.api.profile.Frame;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernel's text symbols from {@code /proc/kallsyms}, sorted by address, so that a kernel
 * instruction pointer resolves to the function that contains it by binary search.
 */
public final class KernelSymbols {

    public static final Path PROC_KALLSYMS = Path.of("/proc/kallsyms");
    /** The module name of symbols built into the kernel image. */
    public static final String KERNEL_IMAGE = "vmlinux";

    private final long[] addresses;
    private final String[] names;
    private final String[] modules;

    private KernelSymbols(long[] addresses, String[] names, String[] modules) {
        this.addresses = addresses;
        this.names = names;
        this.modules = modules;
    }

    /** Reads this machine's {@code /proc/kallsyms}. */
    public static KernelSymbols load() {
        return load(PROC_KALLSYMS);
    }

    /** No kernel symbols: every kernel frame is [unknown] (where /proc/kallsyms hides the addresses). */
    public static KernelSymbols none() {
        return new KernelSymbols(new long[0], new String[0], new String[0]);
    }

    public static KernelSymbols load(Path kallsyms) {
        try (BufferedReader reader = Files.newBufferedReader(kallsyms)) {
            return parse(reader, kallsyms.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + kallsyms + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses kallsyms text: {@code address type name [module]} per line. Only text (code)
     * symbols are kept: instruction pointers can only land in code.
     *
     * @throws KernelSymbolsHiddenException when every address reads 0 (kptr_restrict)
     */
    static KernelSymbols parse(BufferedReader reader, String source) throws IOException {
        record Entry(long address, String name, String module) {}
        List<Entry> entries = new ArrayList<>();
        Map<String, String> moduleNames = new HashMap<>();
        boolean anyNonZero = false;
        int lineNumber = 0;
        for (String line; (line = reader.readLine()) != null; ) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            String[] fields = fields(line);
            if (fields.length < 3 || fields[1].length() != 1) {
                throw new IllegalArgumentException(
                        source + " line " + lineNumber + ": expected 'address type name', got: " + line);
            }
            long address;
            try {
                address = Long.parseUnsignedLong(fields[0], 16);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        source + " line " + lineNumber + ": bad address '" + fields[0] + "'", e);
            }
            anyNonZero |= address != 0;
            if (!isText(fields[1].charAt(0))) {
                continue;
            }
            // One string per module, not one per symbol.
            String module = fields.length > 3
                    ? moduleNames.computeIfAbsent(fields[3], KernelSymbols::stripBrackets)
                    : KERNEL_IMAGE;
            entries.add(new Entry(address, fields[2], module));
        }
        if (lineNumber > 0 && !anyNonZero) {
            throw new KernelSymbolsHiddenException(source);
        }
        entries.sort(Comparator.comparing(Entry::address, Long::compareUnsigned)
                .thenComparing(e -> e.name().startsWith("_") ? 1 : 0));
        long[] addresses = new long[entries.size()];
        String[] names = new String[entries.size()];
        String[] modules = new String[entries.size()];
        for (int i = 0; i < entries.size(); i++) {
            addresses[i] = entries.get(i).address();
            names[i] = entries.get(i).name();
            modules[i] = entries.get(i).module();
        }
        return new KernelSymbols(addresses, names, modules);
    }

    /**
     * The whitespace-separated fields of a line, at most four. Hand-split: a regex split of
     * each of a few hundred thousand lines costs most of the parse.
     */
    private static String[] fields(String line) {
        String[] fields = new String[4];
        int count = 0;
        int at = 0;
        int length = line.length();
        while (count < fields.length) {
            while (at < length && Character.isWhitespace(line.charAt(at))) {
                at++;
            }
            if (at == length) {
                break;
            }
            int end = at;
            while (end < length && !Character.isWhitespace(line.charAt(end))) {
                end++;
            }
            fields[count++] = line.substring(at, end);
            at = end;
        }
        return count == fields.length ? fields : Arrays.copyOf(fields, count);
    }

    /** t/T: code in the text section; w/W: weak symbols, which in kallsyms are functions too. */
    private static boolean isText(char type) {
        return type == 't' || type == 'T' || type == 'w' || type == 'W';
    }

    private static String stripBrackets(String module) {
        return module.startsWith("[") && module.endsWith("]") ? module.substring(1, module.length() - 1) : module;
    }

    public int size() {
        return addresses.length;
    }

    /**
     * The frame of a kernel instruction pointer: the nearest symbol at or below it. An address
     * below the first symbol names no function and prints as {@code [unknown]}.
     */
    public Frame resolve(long ip) {
        int index = Addresses.floorIndex(addresses, ip);
        if (index < 0) {
            return Frames.unknown(Frame.Origin.KERNEL);
        }
        // Several names can share one address (aliases); the sort put the one without a
        // leading underscore first, and the floor search returns the last of equal addresses.
        while (index > 0 && addresses[index - 1] == addresses[index]) {
            index--;
        }
        return new Frame(names[index], modules[index], Frame.Origin.KERNEL);
    }

    @Override
    public String toString() {
        return "KernelSymbols[" + addresses.length + " text symbols, "
                + Arrays.stream(modules).distinct().count() + " modules]";
    }
}
