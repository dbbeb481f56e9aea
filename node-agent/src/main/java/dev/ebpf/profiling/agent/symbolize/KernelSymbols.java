package dev.ebpf.profiling.agent.symbolize;

import dev.ebpf.profiling.api.profile.Frame;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The kernel's text symbols from {@code /proc/kallsyms}, sorted by address, so that a kernel
 * instruction pointer resolves to the function that contains it by binary search.
 *
 * <p>Where the kernel hides its addresses from the agent (every address reads 0), the symbols are
 * {@linkplain #hidden() hidden}: profiling goes on, and kernel frames are named by region only, so
 * that a node with a stock {@code perf_event_paranoid} still gets its slices.
 */
public final class KernelSymbols {

    public static final Path PROC_KALLSYMS = Path.of("/proc/kallsyms");
    /** The module name of symbols built into the kernel image. */
    public static final String KERNEL_IMAGE = "vmlinux";
    /** Hidden symbols: the frame of an address in the kernel image. */
    public static final String HIDDEN_KERNEL_FRAME = "[kernel]";
    /** Hidden symbols: the frame of an address in a module (or BPF) on x86-64, where the module area is known. */
    public static final String HIDDEN_MODULE_FRAME = "[kernel module]";

    private static final String MODULES = "modules";
    /** x86-64: modules (and JIT-ed BPF) live from here up; the kernel image lies below (the kernel's MODULES_VADDR). */
    private static final long X86_64_MODULES_START = 0xffffffffc0000000L;

    private static final boolean X86_64 = "amd64".equals(System.getProperty("os.arch"));

    private final long[] addresses;
    /** Compact: a kernel has over a hundred thousand text symbols, and a String each cost more than the names. */
    private final SymbolNames names;
    /** Index into {@link #moduleNames} per symbol. */
    private final short[] modules;

    private final String[] moduleNames;
    /** Why the kernel hides its addresses, or null when the symbols are real. */
    private final String hiddenReason;

    private KernelSymbols(
            long[] addresses, SymbolNames names, short[] modules, String[] moduleNames, String hiddenReason) {
        this.addresses = addresses;
        this.names = names;
        this.modules = modules;
        this.moduleNames = moduleNames;
        this.hiddenReason = hiddenReason;
    }

    /** Symbols the kernel hides, for the reason given (see {@link KernelAddressVisibility#explain()}). */
    static KernelSymbols hidden(String reason) {
        return new KernelSymbols(new long[0], SymbolNames.EMPTY, new short[0], new String[0], reason);
    }

    /** Reads this machine's {@code /proc/kallsyms}; hidden addresses give {@linkplain #hidden() hidden} symbols. */
    public static KernelSymbols load() {
        return load(PROC_KALLSYMS, KernelAddressVisibility.ofThisProcess());
    }

    static KernelSymbols load(Path kallsyms, KernelAddressVisibility visibility) {
        try (BufferedReader reader = Files.newBufferedReader(kallsyms)) {
            KernelSymbols symbols = parse(reader, kallsyms.toString());
            return symbols == null ? hidden(visibility.explain()) : symbols;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + kallsyms + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses kallsyms text: {@code address type name [module]} per line. Only text (code)
     * symbols are kept: instruction pointers can only land in code.
     *
     * @return the symbols, or null when every address reads 0 (the kernel hides them)
     */
    static KernelSymbols parse(BufferedReader reader, String source) throws IOException {
        record Entry(long address, String name, short module) {}
        List<Entry> entries = new ArrayList<>();
        Map<String, Short> moduleIndex = new HashMap<>();
        List<String> moduleNames = new ArrayList<>(List.of(KERNEL_IMAGE));
        moduleIndex.put(KERNEL_IMAGE, (short) 0);
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
            short module = fields.length > 3
                    ? moduleIndex.computeIfAbsent(stripBrackets(fields[3]), name -> {
                        moduleNames.add(name);
                        return (short) (moduleNames.size() - 1);
                    })
                    : 0;
            entries.add(new Entry(address, fields[2], module));
        }
        if (lineNumber > 0 && !anyNonZero) {
            return null;
        }
        entries.sort(Comparator.comparing(Entry::address, Long::compareUnsigned)
                .thenComparingInt(e -> e.name().startsWith("_") ? 1 : 0));
        long[] addresses = new long[entries.size()];
        SymbolNames.Builder names = new SymbolNames.Builder(entries.size());
        short[] modules = new short[entries.size()];
        for (int i = 0; i < entries.size(); i++) {
            addresses[i] = entries.get(i).address();
            names.add(entries.get(i).name());
            modules[i] = entries.get(i).module();
        }
        return new KernelSymbols(addresses, names.build(), modules, moduleNames.toArray(String[]::new), null);
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
     * The address of a kernel function by name (the first of equal names), or 0 when there is none
     * or the addresses are hidden: the reverse of {@link #resolve}, for wait sites /proc names.
     */
    public long addressOf(String function) {
        int index = names.indexOf(function.getBytes(StandardCharsets.UTF_8));
        return index < 0 ? 0 : addresses[index];
    }

    /** The heap bytes of the symbols (addresses, names, module indexes), for benchmarks. */
    long heapBytes() {
        return 16L + 8L * addresses.length + names.heapBytes() + 16L + 2L * modules.length;
    }

    /** Whether the kernel hides its addresses from the agent, so that frames are named by region only. */
    public boolean hidden() {
        return hiddenReason != null;
    }

    /** One line on why the symbols are hidden and how to show them; empty when they are not. */
    public Optional<String> hiddenReason() {
        return Optional.ofNullable(hiddenReason);
    }

    /**
     * The frame of a kernel instruction pointer: the nearest symbol at or below it. An address
     * below the first symbol names no function and prints as {@code [unknown]}.
     */
    public Frame resolve(long ip) {
        if (hiddenReason != null) {
            return hiddenFrame(ip);
        }
        int index = Addresses.floorIndex(addresses, ip);
        if (index < 0) {
            return Frames.unknown(Frame.Origin.KERNEL);
        }
        // Several names can share one address (aliases); the sort put the one without a
        // leading underscore first, and the floor search returns the last of equal addresses.
        while (index > 0 && addresses[index - 1] == addresses[index]) {
            index--;
        }
        return new Frame(names.get(index), moduleNames[modules[index]], Frame.Origin.KERNEL);
    }

    /** Without symbols the address still says whether it is the kernel image or a module (x86-64). */
    private static Frame hiddenFrame(long ip) {
        if (X86_64 && Long.compareUnsigned(ip, X86_64_MODULES_START) >= 0) {
            return new Frame(HIDDEN_MODULE_FRAME, MODULES, Frame.Origin.KERNEL);
        }
        return new Frame(HIDDEN_KERNEL_FRAME, KERNEL_IMAGE, Frame.Origin.KERNEL);
    }

    @Override
    public String toString() {
        if (hiddenReason != null) {
            return "KernelSymbols[hidden]";
        }
        return "KernelSymbols[" + addresses.length + " text symbols, " + moduleNames.length + " modules]";
    }
}
