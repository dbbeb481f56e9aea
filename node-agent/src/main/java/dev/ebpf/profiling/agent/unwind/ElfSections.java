package dev.ebpf.profiling.agent.unwind;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the unwinder reads of a 64-bit little-endian ELF file: its PT_LOAD segments (to turn a
 * mapping's addresses into the file's own) and the bytes of named sections (.eh_frame,
 * .debug_frame) with the address each is loaded at.
 */
final class ElfSections {

    /** A section read whole: its bytes, and the virtual address its first byte is loaded at. */
    record Section(ByteBuffer bytes, long address) {}

    /** A PT_LOAD program header. */
    record Segment(long fileOffset, long virtualAddress, long fileSize, boolean executable) {}

    private static final int PT_LOAD = 1;
    private static final int PF_X = 1;
    private static final int SHT_NOBITS = 8;
    /** A section larger than this is not a real unwind section: refuse rather than exhaust memory. */
    private static final long MAX_SECTION_BYTES = 256L << 20;

    private final FileChannel channel;
    private final String name;
    private final List<Segment> segments = new ArrayList<>();
    private final List<String> sectionNames = new ArrayList<>();
    private final List<long[]> sectionHeaders = new ArrayList<>(); // type, address, offset, size

    private ElfSections(FileChannel channel, String name) {
        this.channel = channel;
        this.name = name;
    }

    /** Reads the headers; the channel stays the caller's. */
    static ElfSections read(FileChannel channel, String name) throws IOException {
        ElfSections elf = new ElfSections(channel, name);
        elf.readHeaders();
        return elf;
    }

    private void readHeaders() throws IOException {
        ByteBuffer header = readAt(0, 64);
        if (header.getInt(0) != 0x464c457f) {
            throw new IOException(name + ": not an ELF file");
        }
        if (header.get(4) != 2 || header.get(5) != 1) {
            throw new IOException(name + ": only 64-bit little-endian ELF files are unwound");
        }
        long phoff = header.getLong(32);
        long shoff = header.getLong(40);
        int phentsize = Short.toUnsignedInt(header.getShort(54));
        int phnum = Short.toUnsignedInt(header.getShort(56));
        int shentsize = Short.toUnsignedInt(header.getShort(58));
        int shnum = Short.toUnsignedInt(header.getShort(60));
        int shstrndx = Short.toUnsignedInt(header.getShort(62));
        if (phnum > 0) {
            ByteBuffer headers = readAt(phoff, (long) phentsize * phnum);
            for (int i = 0; i < phnum; i++) {
                int base = i * phentsize;
                if (headers.getInt(base) == PT_LOAD) {
                    segments.add(new Segment(
                            headers.getLong(base + 8),
                            headers.getLong(base + 16),
                            headers.getLong(base + 32),
                            (headers.getInt(base + 4) & PF_X) != 0));
                }
            }
        }
        if (shoff == 0 || shnum == 0 || shstrndx >= shnum) {
            return;
        }
        ByteBuffer sections = readAt(shoff, (long) shentsize * shnum);
        int namesBase = shstrndx * shentsize;
        ByteBuffer names = readAt(sections.getLong(namesBase + 24), sections.getLong(namesBase + 32));
        for (int i = 0; i < shnum; i++) {
            int base = i * shentsize;
            sectionNames.add(cString(names, sections.getInt(base)));
            sectionHeaders.add(new long[] {
                sections.getInt(base + 4),
                sections.getLong(base + 16),
                sections.getLong(base + 24),
                sections.getLong(base + 32)
            });
        }
    }

    List<Segment> segments() {
        return segments;
    }

    /** The named section's bytes, or empty when the file has none (or only its header, as stripped files do). */
    Optional<Section> section(String sectionName) throws IOException {
        int index = sectionNames.indexOf(sectionName);
        if (index < 0) {
            return Optional.empty();
        }
        long[] header = sectionHeaders.get(index);
        if (header[0] == SHT_NOBITS || header[3] == 0) {
            return Optional.empty();
        }
        if (header[3] > MAX_SECTION_BYTES) {
            throw new IOException(name + ": section " + sectionName + " of " + header[3] + " bytes is too big");
        }
        return Optional.of(new Section(readAt(header[2], header[3]), header[1]));
    }

    private ByteBuffer readAt(long offset, long length) throws IOException {
        if (offset < 0 || length < 0 || length > MAX_SECTION_BYTES || offset + length > channel.size()) {
            throw new IOException(
                    name + ": truncated or corrupt (wants " + length + " bytes at offset " + offset + ")");
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, offset + buffer.position()) < 0) {
                throw new EOFException(name + ": ended before offset " + (offset + length));
            }
        }
        return buffer.flip();
    }

    private static String cString(ByteBuffer strings, int offset) {
        if (offset < 0 || offset >= strings.limit()) {
            return "";
        }
        int end = offset;
        while (end < strings.limit() && strings.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - offset];
        strings.get(offset, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
