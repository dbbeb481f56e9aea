package dev.ebpf.profiling.agent.symbolize;

import dev.ebpf.profiling.api.profile.Frame;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
        try (InputStream in = Files.newInputStream(kallsyms)) {
            KernelSymbols symbols = parse(in, kallsyms.toString());
            return symbols == null ? hidden(visibility.explain()) : symbols;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + kallsyms + ": " + e.getMessage(), e);
        }
    }

    /** {@link #parse(InputStream, String)} of text, for tests. */
    static KernelSymbols parse(BufferedReader reader, String source) throws IOException {
        StringBuilder text = new StringBuilder();
        for (String line; (line = reader.readLine()) != null; ) {
            text.append(line).append('\n');
        }
        return parse(new ByteArrayInputStream(text.toString().getBytes(StandardCharsets.UTF_8)), source);
    }

    /**
     * Parses kallsyms text: {@code address type name [module]} per line. Only text (code)
     * symbols are kept: instruction pointers can only land in code. Parsed from bytes read a block
     * at a time, with no String per line or field: a kernel has over a hundred thousand symbols,
     * the parse is part of every start-up, and a String-based one cost 0.4-0.7 s of CPU, most of
     * it allocating and copying garbage.
     *
     * @return the symbols, or null when every address reads 0 (the kernel hides them)
     */
    static KernelSymbols parse(InputStream in, String source) throws IOException {
        Lines lines = new Lines(in);
        Map<String, Short> moduleIndex = new HashMap<>();
        List<String> moduleNames = new ArrayList<>(List.of(KERNEL_IMAGE));
        moduleIndex.put(KERNEL_IMAGE, (short) 0);
        boolean anyNonZero = false;
        int lineNumber = 0;
        int count = 0;
        long[] addresses = new long[1024];
        short[] modules = new short[1024];
        SymbolNames.Builder names = new SymbolNames.Builder(1024);
        while (lines.next()) {
            lineNumber++;
            if (lines.fieldCount == 0) {
                continue;
            }
            if (lines.fieldCount < 3 || lines.length(1) != 1) {
                throw new IllegalArgumentException(
                        source + " line " + lineNumber + ": expected 'address type name', got: " + lines.line());
            }
            if (!lines.isHex(0)) {
                throw new IllegalArgumentException(
                        source + " line " + lineNumber + ": bad address '" + lines.field(0) + "'");
            }
            long address = lines.hex(0);
            anyNonZero |= address != 0;
            if (!isText((char) lines.text[lines.starts[1]])) {
                continue;
            }
            if (count == addresses.length) {
                addresses = Arrays.copyOf(addresses, count * 2);
                modules = Arrays.copyOf(modules, count * 2);
            }
            addresses[count] = address;
            names.add(lines.text, lines.starts[2], lines.ends[2]);
            // One string per module, not one per symbol.
            if (lines.fieldCount > 3) {
                modules[count] = moduleIndex.computeIfAbsent(stripBrackets(lines.field(3)), name -> {
                    moduleNames.add(name);
                    return (short) (moduleNames.size() - 1);
                });
            }
            count++;
        }
        if (lineNumber > 0 && !anyNonZero) {
            return null;
        }
        SymbolNames inFileOrder = names.build();
        int[] order = byAddress(Arrays.copyOf(addresses, count));
        if (order == null) {
            return new KernelSymbols(
                    Arrays.copyOf(addresses, count),
                    inFileOrder,
                    Arrays.copyOf(modules, count),
                    moduleNames.toArray(String[]::new),
                    null);
        }
        long[] sortedAddresses = new long[count];
        short[] sortedModules = new short[count];
        for (int i = 0; i < count; i++) {
            sortedAddresses[i] = addresses[order[i]];
            sortedModules[i] = modules[order[i]];
        }
        return new KernelSymbols(
                sortedAddresses, inFileOrder.reordered(order), sortedModules, moduleNames.toArray(String[]::new), null);
    }

    /**
     * The symbols' indexes in address order (aliases, of equal addresses, in the file's order), or
     * null when they are in that order already: the kernel lists its symbols by address, so that
     * is one pass that moves nothing.
     */
    private static int[] byAddress(long[] addresses) {
        boolean sorted = true;
        for (int i = 1; i < addresses.length && sorted; i++) {
            sorted = Long.compareUnsigned(addresses[i - 1], addresses[i]) <= 0;
        }
        if (sorted) {
            return null;
        }
        Integer[] indexes = new Integer[addresses.length];
        Arrays.setAll(indexes, i -> i);
        Arrays.sort(indexes, (a, b) -> Long.compareUnsigned(addresses[a], addresses[b])); // stable
        return Arrays.stream(indexes).mapToInt(Integer::intValue).toArray();
    }

    /**
     * The lines of kallsyms text, read a block at a time, each split at whitespace into at most
     * four fields (offsets into {@link #text}, valid until the next line).
     */
    private static final class Lines {
        private static final int BLOCK = 64 * 1024;

        private final InputStream in;
        private byte[] text = new byte[BLOCK];
        private int filled;
        private boolean endOfInput;
        private final int[] starts = new int[4];
        private final int[] ends = new int[4];
        private int fieldCount;
        private int lineStart;
        private int lineEnd = -1; // the current line's newline (or the end of the input)

        Lines(InputStream in) {
            this.in = in;
        }

        /** Moves to the next line; false at the end of the input. */
        boolean next() throws IOException {
            int from = Math.min(lineEnd + 1, filled); // past a last line without a newline: the end
            int end = newline(from);
            if (end < 0) {
                // Move the unfinished line to the start, and read until it ends.
                System.arraycopy(text, from, text, 0, filled - from);
                filled -= from;
                from = 0;
                while ((end = newline(from)) < 0 && !endOfInput) {
                    if (filled == text.length) {
                        text = Arrays.copyOf(text, text.length * 2);
                    }
                    int read = in.read(text, filled, text.length - filled);
                    if (read < 0) {
                        endOfInput = true;
                    } else {
                        filled += read;
                    }
                }
                if (end < 0) {
                    if (filled == 0) {
                        return false;
                    }
                    end = filled; // a last line without a newline
                }
            }
            lineStart = from;
            lineEnd = end;
            split();
            return true;
        }

        private int newline(int from) {
            for (int i = from; i < filled; i++) {
                if (text[i] == '\n') {
                    return i;
                }
            }
            return -1;
        }

        private void split() {
            fieldCount = 0;
            int at = lineStart;
            while (fieldCount < starts.length) {
                while (at < lineEnd && isWhitespace(text[at])) {
                    at++;
                }
                if (at == lineEnd) {
                    break;
                }
                starts[fieldCount] = at;
                while (at < lineEnd && !isWhitespace(text[at])) {
                    at++;
                }
                ends[fieldCount++] = at;
            }
        }

        int length(int field) {
            return ends[field] - starts[field];
        }

        String field(int field) {
            return new String(text, starts[field], length(field), StandardCharsets.UTF_8);
        }

        String line() {
            return new String(text, lineStart, lineEnd - lineStart, StandardCharsets.UTF_8);
        }

        /** Whether the field is an unsigned hexadecimal number of at most 16 digits (64 bits). */
        boolean isHex(int field) {
            for (int i = starts[field]; i < ends[field]; i++) {
                if (digit(text[i]) < 0) {
                    return false;
                }
            }
            return length(field) <= 16;
        }

        /** The field's value, when {@link #isHex}. */
        long hex(int field) {
            long value = 0;
            for (int i = starts[field]; i < ends[field]; i++) {
                value = value << 4 | digit(text[i]);
            }
            return value;
        }

        /** A hexadecimal digit's value, or -1 (ASCII only: Character.digit is many calls per byte). */
        private static int digit(byte b) {
            if (b >= '0' && b <= '9') {
                return b - '0';
            }
            int lower = b | 0x20;
            return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
        }

        private static boolean isWhitespace(byte b) {
            return b == ' ' || b == '\t' || b == '\r';
        }
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
        return new Frame(names.get(alias(index)), moduleNames[modules[index]], Frame.Origin.KERNEL);
    }

    /**
     * Several names can share one address (aliases such as {@code _stext} and {@code startup_64}):
     * the first without a leading underscore names it, else the first. {@code last} is the last of
     * them, where the floor search lands.
     */
    private int alias(int last) {
        int first = last;
        while (first > 0 && addresses[first - 1] == addresses[last]) {
            first--;
        }
        for (int index = first; index <= last; index++) {
            if (!names.startsWith(index, (byte) '_')) {
                return index;
            }
        }
        return first;
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
