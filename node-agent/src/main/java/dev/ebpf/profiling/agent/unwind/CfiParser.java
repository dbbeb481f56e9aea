package dev.ebpf.profiling.agent.unwind;

import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_CFA_END;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_CFA_NONE;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_CFA_PLT;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_CFA_RBP;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_CFA_RSP;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_RBP_AT_CFA;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_RBP_SAME;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the call frame information of one section (.eh_frame or .debug_frame, x86-64) into one
 * list of rows per frame description (FDE): runs each FDE's DW_CFA_* program after its CIE's and
 * keeps, at each address, what the kernel side can follow: the CFA as rsp or rbp plus an offset,
 * where rbp was saved, and whether the return address is undefined (the outermost frame). A CFA
 * given by an expression is followed only in the form PLT entries use; other rows are marked
 * {@code UNWIND_CFA_NONE}, where the kernel continues with frame pointers.
 */
final class CfiParser {

    /** The rows of one FDE, covering [begin, end). */
    record FdeRows(long begin, long end, List<UnwindRow> rows) {}

    private static final int RSP = 7;
    private static final int RBP = 6;

    private static final int DW_EH_PE_OMIT = 0xff;
    private static final int DW_EH_PE_PCREL = 0x10;

    /** Rule kinds of one register. */
    private static final int SAME = 0;

    private static final int AT_CFA = 1;
    private static final int UNDEFINED = 2;
    private static final int OTHER = 3;

    private final ByteBuffer data;
    private final long sectionAddress;
    private final boolean debugFrame;
    private final Map<Integer, Cie> cies = new HashMap<>();

    private CfiParser(ByteBuffer data, long sectionAddress, boolean debugFrame) {
        this.data = data.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN);
        this.sectionAddress = sectionAddress;
        this.debugFrame = debugFrame;
    }

    /**
     * Every FDE of a section; one that cannot be read (an encoding this parser does not know) is
     * left out, so its code unwinds with frame pointers.
     *
     * @param sectionAddress where the section is loaded (pc-relative pointers count from there)
     * @param debugFrame     true for .debug_frame (CIE ids and pointers differ from .eh_frame's)
     */
    static List<FdeRows> parse(ByteBuffer section, long sectionAddress, boolean debugFrame) {
        return new CfiParser(section, sectionAddress, debugFrame).parseAll();
    }

    private List<FdeRows> parseAll() {
        List<FdeRows> result = new ArrayList<>();
        int at = 0;
        while (at + 4 <= data.limit()) {
            long length = Integer.toUnsignedLong(data.getInt(at));
            int headerBytes = 4;
            if (length == 0) {
                if (debugFrame) {
                    at += 4;
                    continue;
                }
                break; // the terminator of .eh_frame
            }
            if (length == 0xffffffffL) {
                return result; // 64-bit DWARF: not produced for x86-64 user code
            }
            int idAt = at + headerBytes;
            int next = (int) Math.min(data.limit(), idAt + length);
            try {
                long id = Integer.toUnsignedLong(data.getInt(idAt));
                boolean isCie = debugFrame ? id == 0xffffffffL : id == 0;
                if (!isCie) {
                    int cieAt = debugFrame ? (int) id : idAt - (int) id;
                    Cie cie = cie(cieAt);
                    if (cie != null) {
                        FdeRows rows = fde(cie, idAt + 4, next);
                        if (rows != null) {
                            result.add(rows);
                        }
                    }
                }
            } catch (BufferUnderflowException | IndexOutOfBoundsException | IllegalArgumentException e) {
                // A malformed entry: skip it, its code unwinds with frame pointers.
            }
            at = next;
        }
        return result;
    }

    /** A common information entry. */
    private record Cie(
            long codeAlignment,
            long dataAlignment,
            int returnRegister,
            int pointerEncoding,
            boolean hasAugmentationData,
            int instructionsStart,
            int instructionsEnd) {}

    private Cie cie(int at) {
        if (cies.containsKey(at)) {
            return cies.get(at);
        }
        Cie cie = null;
        try {
            cie = readCie(at);
        } catch (BufferUnderflowException | IndexOutOfBoundsException | IllegalArgumentException e) {
            // unreadable: its FDEs are left out
        }
        cies.put(at, cie);
        return cie;
    }

    private Cie readCie(int at) {
        long length = Integer.toUnsignedLong(data.getInt(at));
        int end = (int) Math.min(data.limit(), at + 4 + length);
        Reader reader = new Reader(at + 8);
        int version = reader.u8();
        StringBuilder augmentation = new StringBuilder();
        for (int c; (c = reader.u8()) != 0; ) {
            augmentation.append((char) c);
        }
        if (debugFrame && version >= 4) {
            reader.u8(); // address size
            reader.u8(); // segment selector size
        }
        long codeAlignment = reader.uleb();
        long dataAlignment = reader.sleb();
        int returnRegister = version == 1 ? reader.u8() : (int) reader.uleb();
        int pointerEncoding = 0; // absolute, 8 bytes
        String text = augmentation.toString();
        boolean z = text.startsWith("z");
        if (z) {
            long dataLength = reader.uleb();
            int dataEnd = reader.at + (int) dataLength;
            for (char c : text.substring(1).toCharArray()) {
                switch (c) {
                    case 'R' -> pointerEncoding = reader.u8();
                    case 'L' -> reader.u8();
                    case 'P' -> {
                        int encoding = reader.u8();
                        reader.pointer(encoding);
                    }
                    default -> {
                        // 'S' (signal frame), 'B': no data of their own
                    }
                }
            }
            reader.at = dataEnd;
        } else if (!text.isEmpty()) {
            return null; // an augmentation without 'z' cannot be skipped safely
        }
        return new Cie(codeAlignment, dataAlignment, returnRegister, pointerEncoding, z, reader.at, end);
    }

    private FdeRows fde(Cie cie, int at, int end) {
        Reader reader = new Reader(at);
        long begin = reader.pointer(cie.pointerEncoding());
        long range = reader.pointer(cie.pointerEncoding() & 0x0f); // a size, never pc-relative
        if (begin == 0 && range == 0) {
            return null;
        }
        if (cie.hasAugmentationData()) {
            long dataLength = reader.uleb();
            reader.at += (int) dataLength;
        }
        State initial = new State();
        Program program = new Program(cie, begin, begin + range);
        program.run(cie.instructionsStart(), cie.instructionsEnd(), initial, null);
        State state = initial.copy();
        program.run(reader.at, end, state, initial);
        program.finish(state);
        return new FdeRows(begin, begin + range, program.rows);
    }

    /** The rules at one address. */
    private static final class State {
        int cfaRegister = RSP;
        long cfaOffset = 8;
        byte[] cfaExpression;
        int rbpRule = SAME;
        long rbpOffset;
        // Unless the CIE says where it is, the return address is undefined (readelf shows "u"): _start.
        int returnRule = UNDEFINED;

        State copy() {
            State copy = new State();
            copy.cfaRegister = cfaRegister;
            copy.cfaOffset = cfaOffset;
            copy.cfaExpression = cfaExpression;
            copy.rbpRule = rbpRule;
            copy.rbpOffset = rbpOffset;
            copy.returnRule = returnRule;
            return copy;
        }

        void restoreFrom(State other) {
            cfaRegister = other.cfaRegister;
            cfaOffset = other.cfaOffset;
            cfaExpression = other.cfaExpression;
            rbpRule = other.rbpRule;
            rbpOffset = other.rbpOffset;
            returnRule = other.returnRule;
        }
    }

    /** Runs DW_CFA_* instructions and collects the rows of one FDE. */
    private final class Program {
        final Cie cie;
        final long end;
        long location;
        final List<UnwindRow> rows = new ArrayList<>();

        Program(Cie cie, long begin, long end) {
            this.cie = cie;
            this.location = begin;
            this.end = end;
        }

        /** @param initial the CIE's rules (for DW_CFA_restore), or null while running the CIE itself */
        void run(int from, int to, State state, State initial) {
            Reader reader = new Reader(from);
            Deque<State> remembered = new ArrayDeque<>();
            while (reader.at < to) {
                int opcode = reader.u8();
                int high = opcode & 0xc0;
                int low = opcode & 0x3f;
                if (high == 0x40) {
                    advance(state, low * cie.codeAlignment());
                    continue;
                }
                if (high == 0x80) {
                    setRegister(state, low, AT_CFA, reader.uleb() * cie.dataAlignment());
                    continue;
                }
                if (high == 0xc0) {
                    restore(state, initial, low);
                    continue;
                }
                switch (opcode) {
                    case 0x00 -> {} // nop
                    case 0x01 -> {
                        long to2 = reader.pointer(cie.pointerEncoding());
                        advance(state, to2 - location);
                    }
                    case 0x02 -> advance(state, reader.u8() * cie.codeAlignment());
                    case 0x03 -> advance(state, reader.u16() * cie.codeAlignment());
                    case 0x04 -> advance(state, reader.u32() * cie.codeAlignment());
                    case 0x05 -> setRegister(state, (int) reader.uleb(), AT_CFA, reader.uleb() * cie.dataAlignment());
                    case 0x06 -> restore(state, initial, (int) reader.uleb());
                    case 0x07 -> setRegister(state, (int) reader.uleb(), UNDEFINED, 0);
                    case 0x08 -> setRegister(state, (int) reader.uleb(), SAME, 0);
                    case 0x09 -> {
                        int register = (int) reader.uleb();
                        reader.uleb();
                        setRegister(state, register, OTHER, 0);
                    }
                    case 0x0a -> remembered.push(state.copy());
                    case 0x0b -> {
                        if (!remembered.isEmpty()) {
                            state.restoreFrom(remembered.pop());
                        }
                    }
                    case 0x0c -> {
                        state.cfaRegister = (int) reader.uleb();
                        state.cfaOffset = reader.uleb();
                        state.cfaExpression = null;
                    }
                    case 0x0d -> {
                        state.cfaRegister = (int) reader.uleb();
                        state.cfaExpression = null;
                    }
                    case 0x0e -> state.cfaOffset = reader.uleb();
                    case 0x0f -> state.cfaExpression = reader.block();
                    case 0x10, 0x16 -> {
                        int register = (int) reader.uleb();
                        reader.block();
                        setRegister(state, register, OTHER, 0);
                    }
                    case 0x11 -> setRegister(state, (int) reader.uleb(), AT_CFA, reader.sleb() * cie.dataAlignment());
                    case 0x12 -> {
                        state.cfaRegister = (int) reader.uleb();
                        state.cfaOffset = reader.sleb() * cie.dataAlignment();
                        state.cfaExpression = null;
                    }
                    case 0x13 -> state.cfaOffset = reader.sleb() * cie.dataAlignment();
                    case 0x14 -> {
                        int register = (int) reader.uleb();
                        reader.uleb();
                        setRegister(state, register, OTHER, 0);
                    }
                    case 0x15 -> {
                        int register = (int) reader.uleb();
                        reader.sleb();
                        setRegister(state, register, OTHER, 0);
                    }
                    case 0x2e -> reader.uleb(); // DW_CFA_GNU_args_size
                    case 0x2f -> setRegister(state, (int) reader.uleb(), AT_CFA, -reader.uleb() * cie.dataAlignment());
                    default -> throw new IllegalArgumentException("unknown DW_CFA opcode " + opcode);
                }
            }
        }

        private void setRegister(State state, int register, int rule, long offset) {
            if (register == RBP) {
                state.rbpRule = rule;
                state.rbpOffset = offset;
            } else if (register == cie.returnRegister()) {
                state.returnRule = rule;
            }
        }

        private void restore(State state, State initial, int register) {
            if (initial == null) {
                return;
            }
            if (register == RBP) {
                state.rbpRule = initial.rbpRule;
                state.rbpOffset = initial.rbpOffset;
            } else if (register == cie.returnRegister()) {
                state.returnRule = initial.returnRule;
            }
        }

        /** The rules so far hold from location to location + delta. */
        private void advance(State state, long delta) {
            if (delta <= 0) {
                return;
            }
            emit(state);
            location += delta;
        }

        void finish(State state) {
            emit(state);
        }

        private void emit(State state) {
            if (Long.compareUnsigned(location, end) >= 0) {
                return;
            }
            UnwindRow row = row(location, state);
            if (!rows.isEmpty() && rows.getLast().pc() == location) {
                rows.removeLast();
            }
            if (rows.isEmpty() || !rows.getLast().sameRuleAs(row)) {
                rows.add(row);
            }
        }
    }

    /** What the kernel side makes of the rules at pc. */
    private static UnwindRow row(long pc, State state) {
        if (state.returnRule == UNDEFINED) {
            return new UnwindRow(pc, UNWIND_CFA_END, 0, UNWIND_RBP_SAME, 0);
        }
        if (state.returnRule != AT_CFA) {
            return UnwindRow.none(pc);
        }
        int rbpType = UNWIND_RBP_SAME;
        int rbpOffset = 0;
        if (state.rbpRule == AT_CFA && state.rbpOffset >= Short.MIN_VALUE && state.rbpOffset <= Short.MAX_VALUE) {
            rbpType = UNWIND_RBP_AT_CFA;
            rbpOffset = (int) state.rbpOffset;
        }
        if (state.cfaExpression != null) {
            int[] plt = pltExpression(state.cfaExpression);
            return plt == null
                    ? UnwindRow.none(pc)
                    : new UnwindRow(pc, UNWIND_CFA_PLT, plt[0], UNWIND_RBP_SAME, plt[1]);
        }
        if (state.cfaOffset < Integer.MIN_VALUE || state.cfaOffset > Integer.MAX_VALUE) {
            return UnwindRow.none(pc);
        }
        int cfaType = switch (state.cfaRegister) {
            case RSP -> UNWIND_CFA_RSP;
            case RBP -> UNWIND_CFA_RBP;
            default -> UNWIND_CFA_NONE;
        };
        if (cfaType == UNWIND_CFA_NONE) {
            return UnwindRow.none(pc);
        }
        return new UnwindRow(pc, cfaType, (int) state.cfaOffset, rbpType, rbpOffset);
    }

    /**
     * The expression of PLT entries: rsp + N + (((rip &amp; 15) &gt;= T) &lt;&lt; 3), i.e. DW_OP_breg7 N,
     * DW_OP_breg16 0, DW_OP_lit15, DW_OP_and, DW_OP_litT, DW_OP_ge, DW_OP_lit3, DW_OP_shl, DW_OP_plus.
     * Returns {N, T}, or null for any other expression.
     */
    static int[] pltExpression(byte[] expression) {
        if (expression.length != 11) {
            return null;
        }
        int[] b = new int[expression.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = Byte.toUnsignedInt(expression[i]);
        }
        boolean shape = b[0] == 0x77
                && b[1] < 0x40 // a small positive SLEB128
                && b[2] == 0x80
                && b[3] == 0x00
                && b[4] == 0x3f
                && b[5] == 0x1a
                && b[6] >= 0x30
                && b[6] <= 0x4f
                && b[7] == 0x2a
                && b[8] == 0x33
                && b[9] == 0x24
                && b[10] == 0x22;
        return shape ? new int[] {b[1], b[6] - 0x30} : null;
    }

    /** Reads the section from an offset. */
    private final class Reader {
        int at;

        Reader(int at) {
            this.at = at;
        }

        int u8() {
            return Byte.toUnsignedInt(data.get(at++));
        }

        int u16() {
            int value = Short.toUnsignedInt(data.getShort(at));
            at += 2;
            return value;
        }

        long u32() {
            long value = Integer.toUnsignedLong(data.getInt(at));
            at += 4;
            return value;
        }

        long u64() {
            long value = data.getLong(at);
            at += 8;
            return value;
        }

        long uleb() {
            long result = 0;
            int shift = 0;
            int b;
            do {
                b = u8();
                if (shift < 64) {
                    result |= (long) (b & 0x7f) << shift;
                }
                shift += 7;
            } while ((b & 0x80) != 0);
            return result;
        }

        long sleb() {
            long result = 0;
            int shift = 0;
            int b;
            do {
                b = u8();
                if (shift < 64) {
                    result |= (long) (b & 0x7f) << shift;
                }
                shift += 7;
            } while ((b & 0x80) != 0);
            if (shift < 64 && (b & 0x40) != 0) {
                result |= -1L << shift;
            }
            return result;
        }

        byte[] block() {
            int length = (int) uleb();
            byte[] bytes = new byte[length];
            data.get(at, bytes);
            at += length;
            return bytes;
        }

        /** A pointer in a DW_EH_PE_* encoding; pc-relative ones made absolute. */
        long pointer(int encoding) {
            if (encoding == DW_EH_PE_OMIT) {
                return 0;
            }
            int fieldAt = at;
            long value = switch (encoding & 0x0f) {
                case 0x00 -> u64();
                case 0x01 -> uleb();
                case 0x02 -> u16();
                case 0x03 -> u32();
                case 0x04 -> u64();
                case 0x09 -> sleb();
                case 0x0a -> (short) u16();
                case 0x0b -> (int) u32();
                case 0x0c -> u64();
                default -> throw new IllegalArgumentException("pointer encoding " + encoding);
            };
            return switch (encoding & 0x70) {
                case 0x00 -> value;
                case DW_EH_PE_PCREL -> value + sectionAddress + fieldAt;
                default -> throw new IllegalArgumentException("pointer encoding " + encoding);
            };
        }
    }
}
