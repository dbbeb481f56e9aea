package dev.ebpf.profiling.agent.symbolize;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Reads the function symbols (.symtab and .dynsym), PT_LOAD segments and GNU build id of a
 * 64-bit little-endian ELF file. Only the headers, notes and the symbol and string tables are
 * read, not the whole file.
 */
final class ElfReader {

    private static final int EI_CLASS = 4;
    private static final int EI_DATA = 5;
    private static final int ELFCLASS64 = 2;
    private static final int ELFDATA2LSB = 1;
    private static final int ELF64_HEADER_SIZE = 64;
    private static final int PROGRAM_HEADER_SIZE = 56;
    private static final int SECTION_HEADER_SIZE = 64;
    private static final int PT_LOAD = 1;
    private static final int SHT_SYMTAB = 2;
    private static final int SHT_DYNSYM = 11;
    private static final int SHT_NOTE = 7;
    private static final int NT_GNU_BUILD_ID = 3;
    private static final String GNU_NOTE_NAME = "GNU";
    private static final int SYMBOL_SIZE = 24;
    private static final int STT_FUNC = 2;
    private static final int STT_GNU_IFUNC = 10;
    private static final int SHN_UNDEF = 0;
    private static final int STB_GLOBAL = 1;
    private static final int STB_WEAK = 2;
    /** A symbol or string table larger than this is not a real one: refuse rather than exhaust memory. */
    private static final long MAX_TABLE_BYTES = 512L << 20;
    /** Larger files are not read at all; the biggest shared objects and debug files stay well below. */
    static final long MAX_FILE_BYTES = 8L << 30;

    private ElfReader() {}

    /**
     * @throws ElfFormatException when the file is not a 64-bit little-endian ELF, or is truncated
     * @throws IOException        when it cannot be read
     */
    static ElfContents read(Path file) throws IOException, ElfFormatException {
        try {
            return readChecked(file);
        } catch (IndexOutOfBoundsException e) {
            // A table that points outside itself: corrupt, however the checks below missed it.
            throw new ElfFormatException(file + ": corrupt (" + e.getMessage() + ")");
        }
    }

    private static ElfContents readChecked(Path file) throws IOException, ElfFormatException {
        // Binaries come from containers: opened confined to their root, never a FIFO, a device or too big.
        try (ConfinedFile opened = ConfinedFile.open(file, MAX_FILE_BYTES)) {
            FileChannel channel = opened.channel();
            ByteBuffer header = readAt(channel, 0, ELF64_HEADER_SIZE, file);
            checkIdent(header, file);
            long phoff = header.getLong(32);
            long shoff = header.getLong(40);
            int phentsize = Short.toUnsignedInt(header.getShort(54));
            int phnum = Short.toUnsignedInt(header.getShort(56));
            int shentsize = Short.toUnsignedInt(header.getShort(58));
            int shnum = Short.toUnsignedInt(header.getShort(60));
            if ((phnum > 0 && phentsize < PROGRAM_HEADER_SIZE) || (shnum > 0 && shentsize < SECTION_HEADER_SIZE)) {
                throw new ElfFormatException(file + ": corrupt (program or section header entries too small)");
            }

            List<LoadSegment> segments = readLoadSegments(channel, phoff, phentsize, phnum, file);
            List<SymbolTable.Symbol> symbols = new ArrayList<>();
            String buildId = null;
            boolean hasSymtab = false;
            if (shoff != 0 && shnum > 0) {
                ByteBuffer sections = readAt(channel, shoff, (long) shentsize * shnum, file);
                for (int i = 0; i < shnum; i++) {
                    int base = i * shentsize;
                    int type = sections.getInt(base + 4);
                    if (type == SHT_NOTE && buildId == null) {
                        buildId = buildId(readSection(channel, sections, base, file));
                    }
                    hasSymtab |= type == SHT_SYMTAB;
                    if (type == SHT_SYMTAB || type == SHT_DYNSYM) {
                        int link = sections.getInt(base + 40);
                        if (link <= 0 || link >= shnum) {
                            throw new ElfFormatException(file + ": symbol table section " + i
                                    + " links to string table " + link + " of " + shnum + " sections");
                        }
                        int stringBase = link * shentsize;
                        ByteBuffer table = readSection(channel, sections, base, file);
                        ByteBuffer strings = readSection(channel, sections, stringBase, file);
                        addFunctions(table, strings, symbols);
                    }
                }
            }
            return new ElfContents(symbols, segments, buildId, hasSymtab);
        }
    }

    /**
     * The build id in a note section, as lowercase hex, or null. A note is namesz, descsz and
     * type (4 bytes each), then the name and the descriptor, each padded to 4 bytes.
     */
    private static String buildId(ByteBuffer notes) {
        int at = 0;
        while (at + 12 <= notes.limit()) {
            int nameSize = notes.getInt(at);
            int descriptorSize = notes.getInt(at + 4);
            int type = notes.getInt(at + 8);
            int name = at + 12;
            int descriptor = name + align4(nameSize);
            if (nameSize < 0 || descriptorSize < 0 || descriptor + descriptorSize > notes.limit()) {
                return null;
            }
            if (type == NT_GNU_BUILD_ID
                    && nameSize == GNU_NOTE_NAME.length() + 1
                    && cString(notes, name).equals(GNU_NOTE_NAME)) {
                return HexFormat.of().formatHex(bytes(notes, descriptor, descriptorSize));
            }
            at = descriptor + align4(descriptorSize);
        }
        return null;
    }

    private static int align4(int size) {
        return (size + 3) & ~3;
    }

    private static byte[] bytes(ByteBuffer buffer, int offset, int length) {
        byte[] bytes = new byte[length];
        buffer.get(offset, bytes);
        return bytes;
    }

    private static void checkIdent(ByteBuffer header, Path file) throws ElfFormatException {
        if (header.get(0) != 0x7f || header.get(1) != 'E' || header.get(2) != 'L' || header.get(3) != 'F') {
            throw new ElfFormatException(file + ": not an ELF file");
        }
        if (header.get(EI_CLASS) != ELFCLASS64) {
            throw new ElfFormatException(file + ": 32-bit ELF is not supported, only 64-bit");
        }
        if (header.get(EI_DATA) != ELFDATA2LSB) {
            throw new ElfFormatException(file + ": big-endian ELF is not supported, only little-endian");
        }
    }

    private static List<LoadSegment> readLoadSegments(
            FileChannel channel, long phoff, int phentsize, int phnum, Path file)
            throws IOException, ElfFormatException {
        List<LoadSegment> segments = new ArrayList<>();
        if (phoff == 0 || phnum == 0) {
            return segments;
        }
        ByteBuffer headers = readAt(channel, phoff, (long) phentsize * phnum, file);
        for (int i = 0; i < phnum; i++) {
            int base = i * phentsize;
            if (headers.getInt(base) == PT_LOAD) {
                segments.add(new LoadSegment(
                        headers.getLong(base + 8), headers.getLong(base + 16), headers.getLong(base + 32)));
            }
        }
        return segments;
    }

    private static ByteBuffer readSection(FileChannel channel, ByteBuffer sections, int base, Path file)
            throws IOException, ElfFormatException {
        long offset = sections.getLong(base + 24);
        long size = sections.getLong(base + 32);
        return readAt(channel, offset, size, file);
    }

    private static void addFunctions(ByteBuffer table, ByteBuffer strings, List<SymbolTable.Symbol> symbols) {
        for (int at = 0; at + SYMBOL_SIZE <= table.limit(); at += SYMBOL_SIZE) {
            int info = Byte.toUnsignedInt(table.get(at + 4));
            int type = info & 0xf;
            int shndx = Short.toUnsignedInt(table.getShort(at + 6));
            long value = table.getLong(at + 8);
            long size = table.getLong(at + 16);
            if ((type != STT_FUNC && type != STT_GNU_IFUNC) || shndx == SHN_UNDEF || size == 0) {
                continue;
            }
            String name = cString(strings, table.getInt(at));
            if (!name.isEmpty()) {
                symbols.add(new SymbolTable.Symbol(value, size, name, bindingRank(info >>> 4)));
            }
        }
    }

    /** Global names are the ones people know; weak next; file-local last. */
    private static int bindingRank(int binding) {
        return switch (binding) {
            case STB_GLOBAL -> 0;
            case STB_WEAK -> 1;
            default -> 2;
        };
    }

    private static String cString(ByteBuffer strings, int offset) {
        if (offset < 0 || offset >= strings.limit()) {
            return "";
        }
        int end = offset;
        while (end < strings.limit() && strings.get(end) != 0) {
            end++;
        }
        return new String(bytes(strings, offset, end - offset), StandardCharsets.UTF_8);
    }

    private static ByteBuffer readAt(FileChannel channel, long offset, long length, Path file)
            throws IOException, ElfFormatException {
        if (offset < 0 || length < 0 || length > MAX_TABLE_BYTES || offset + length > channel.size()) {
            throw new ElfFormatException(file + ": truncated or corrupt (wants " + length + " bytes at offset " + offset
                    + " of a " + channel.size() + "-byte file)");
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, offset + buffer.position()) < 0) {
                throw new EOFException(file + ": ended before offset " + (offset + length));
            }
        }
        return buffer.flip();
    }
}
