package dev.ebpf.profiling.agent.symbolize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebpf.profiling.api.profile.Frame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ElfReaderTest {

    @TempDir
    Path directory;

    @ParameterizedTest
    @EnumSource(HotLoopProgram.Linkage.class)
    void findsTheHotFunctionWhereNmSaysItIs(HotLoopProgram.Linkage linkage) throws Exception {
        HotLoopProgram program = HotLoopProgram.compile(directory, "hot_loop", linkage);
        long[] addressAndSize = program.hotFunctionAddressAndSize();

        ElfContents file = ElfReader.read(program.binary());
        ElfSymbols symbols = ElfSymbols.of(file, List.of());

        assertThat(symbols.problem()).isNull();
        assertThat(file.hasSymtab()).isTrue();
        assertThat(file.buildId()).isEqualTo(program.buildId());
        assertThat(symbols.symbols().lookup(addressAndSize[0])).isEqualTo(HotLoopProgram.HOT_FUNCTION);
        assertThat(symbols.symbols().lookup(addressAndSize[0] + addressAndSize[1] - 1))
                .isEqualTo(HotLoopProgram.HOT_FUNCTION);
        assertThat(symbols.symbols().lookup(addressAndSize[0] + addressAndSize[1]))
                .isNotEqualTo(HotLoopProgram.HOT_FUNCTION);
        assertThat(symbols.segments()).isNotEmpty();
    }

    @Test
    void aStrippedFileNamesTheFrameByModuleAndOffset() throws Exception {
        HotLoopProgram program = HotLoopProgram.compile(directory);
        long address = program.hotFunctionAddressAndSize()[0];
        HotLoopProgram stripped = program.stripped(directory.resolve("hot_loop_stripped"));

        ElfContents file = ElfReader.read(stripped.binary());
        ElfSymbols symbols = ElfSymbols.of(file, List.of());

        assertThat(file.hasSymtab()).isFalse();
        assertThat(file.buildId()).isEqualTo(program.buildId());
        assertThat(symbols.symbols().lookup(address)).isNull();
        // In gcc's PIE layout the text segment's file offset equals its virtual address.
        assertThat(symbols.resolve(address, "hot_loop_stripped", Frame.Origin.EXECUTABLE))
                .isEqualTo(new Frame(
                        "[hot_loop_stripped]",
                        "hot_loop_stripped",
                        Frame.Origin.EXECUTABLE,
                        "[hot_loop_stripped+0x" + Long.toHexString(address) + "]"));
    }

    @Test
    void a32BitFileIsRefusedWithAClearReason() throws IOException {
        byte[] header = new byte[64];
        System.arraycopy(new byte[] {0x7f, 'E', 'L', 'F', 1, 1, 1}, 0, header, 0, 7);
        Path file = Files.write(directory.resolve("old32"), header);

        assertThatThrownBy(() -> ElfReader.read(file))
                .isInstanceOf(ElfFormatException.class)
                .hasMessage(file + ": 32-bit ELF is not supported, only 64-bit");
    }

    @Test
    void aFileThatIsNotElfIsRefused() throws IOException {
        Path file = Files.writeString(directory.resolve("script.sh"), """
                #!/bin/sh
                echo this is not an ELF file at all
                padding padding padding padding padding padding
                """);

        assertThatThrownBy(() -> ElfReader.read(file))
                .isInstanceOf(ElfFormatException.class)
                .hasMessageEndingWith("not an ELF file");
    }

    @Test
    void aTruncatedFileIsRefusedNotMisread() throws Exception {
        HotLoopProgram program = HotLoopProgram.compile(directory);
        byte[] whole = Files.readAllBytes(program.binary());
        Path truncated = Files.write(directory.resolve("truncated"), Arrays.copyOf(whole, 4096));

        assertThatThrownBy(() -> ElfReader.read(truncated))
                .isInstanceOf(ElfFormatException.class)
                .hasMessageContaining("truncated or corrupt");
    }

    @Test
    void corruptHeadersAreRefusedNotThrownAsRuntimeErrors() throws Exception {
        byte[] whole = Files.readAllBytes(HotLoopProgram.compile(directory).binary());
        byte[] zeroEntrySize = whole.clone();
        zeroEntrySize[58] = 0; // e_shentsize
        zeroEntrySize[59] = 0;
        byte[] badLink = whole.clone();
        ByteBuffer elf = ByteBuffer.wrap(badLink).order(ByteOrder.LITTLE_ENDIAN);
        long shoff = elf.getLong(40);
        int shnum = Short.toUnsignedInt(elf.getShort(60));
        for (int i = 0; i < shnum; i++) {
            int base = (int) shoff + i * 64;
            elf.putLong(base + 32, Long.MAX_VALUE / 2); // every section claims an absurd size
        }

        assertThatThrownBy(() -> ElfReader.read(Files.write(directory.resolve("zero"), zeroEntrySize)))
                .isInstanceOf(ElfFormatException.class)
                .hasMessageContaining("corrupt");
        assertThatThrownBy(() -> ElfReader.read(Files.write(directory.resolve("huge"), badLink)))
                .isInstanceOf(ElfFormatException.class)
                .hasMessageContaining("corrupt");
    }

    @Test
    void anUnreadableFileStillGivesModulePlusOffsetFrames() {
        ElfSymbols unreadable = ElfSymbols.unreadable("32-bit ELF is not supported");

        assertThat(unreadable.resolve(0x1a2b, "old32", Frame.Origin.LIBRARY))
                .isEqualTo(new Frame("[old32]", "old32", Frame.Origin.LIBRARY, "[old32+0x1a2b]"));
    }
}
