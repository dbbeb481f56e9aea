package dev.ebpf.profiling.agent.symbolize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ebpf.profiling.api.profile.Frame;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelSymbolsTest {

    private static final String KALLSYMS = """
            ffffffff81000000 T _stext
            ffffffff81000000 T startup_64
            ffffffff81001000 t native_write_cr0
            ffffffff81002000 D some_data
            ffffffff81003000 T vfs_read
            ffffffff81004000 W weak_function
            ffffffffc0a01000 t ext4_file_read_iter\t[ext4]
            ffffffffc0a02000 T ext4_readdir\t[ext4]
            """;

    private static KernelSymbols parse(String text) throws IOException {
        return KernelSymbols.parse(new BufferedReader(new StringReader(text)), "test");
    }

    @Test
    void resolvesAnAddressToTheFunctionAtOrBelowIt() throws IOException {
        KernelSymbols symbols = parse(KALLSYMS);

        assertThat(symbols.resolve(0xffffffff81003010L))
                .isEqualTo(new Frame("vfs_read", "vmlinux", Frame.Origin.KERNEL));
        assertThat(symbols.resolve(0xffffffff81001fffL).function()).isEqualTo("native_write_cr0");
        assertThat(symbols.resolve(0xffffffff81004001L).function()).isEqualTo("weak_function");
    }

    @Test
    void skipsDataSymbolsBecauseCodeCannotRunThere() throws IOException {
        // 0x...2010 lies after the data symbol some_data: it belongs to the last function before it.
        assertThat(parse(KALLSYMS).resolve(0xffffffff81002010L).function()).isEqualTo("native_write_cr0");
        assertThat(parse(KALLSYMS).size()).isEqualTo(7);
    }

    @Test
    void prefersTheNameWithoutLeadingUnderscoreAmongAliases() throws IOException {
        assertThat(parse(KALLSYMS).resolve(0xffffffff81000010L).function()).isEqualTo("startup_64");
    }

    @Test
    void symbolsOutOfAddressOrderAreSortedAndSortedOnesKeptAsTheyAre() throws IOException {
        KernelSymbols unsorted = parse("""
                ffffffffc0a02000 T ext4_readdir\t[ext4]
                ffffffff81003000 T vfs_read
                ffffffffc0a01000 t ext4_file_read_iter\t[ext4]
                ffffffff81001000 t native_write_cr0
                """);
        KernelSymbols sorted = parse("""
                ffffffff81001000 t native_write_cr0
                ffffffff81003000 T vfs_read
                ffffffffc0a01000 t ext4_file_read_iter\t[ext4]
                ffffffffc0a02000 T ext4_readdir\t[ext4]
                """);

        for (KernelSymbols symbols : List.of(unsorted, sorted)) {
            assertThat(symbols.resolve(0xffffffff81002000L).function()).isEqualTo("native_write_cr0");
            assertThat(symbols.resolve(0xffffffff81003001L).function()).isEqualTo("vfs_read");
            assertThat(symbols.resolve(0xffffffffc0a01001L))
                    .isEqualTo(new Frame("ext4_file_read_iter", "ext4", Frame.Origin.KERNEL));
            assertThat(symbols.resolve(0xffffffffc0a02001L))
                    .isEqualTo(new Frame("ext4_readdir", "ext4", Frame.Origin.KERNEL));
            assertThat(symbols.addressOf("vfs_read")).isEqualTo(0xffffffff81003000L);
        }
    }

    @Test
    void readsLinesLongerThanOneBlockAndALastLineWithoutNewline() throws IOException {
        String longName = "f".repeat(200_000); // more than the parser's 64 KiB block
        KernelSymbols symbols = parse("ffffffff81001000 t " + longName + "\nffffffff81002000 T last");

        assertThat(symbols.resolve(0xffffffff81001001L).function()).isEqualTo(longName);
        assertThat(symbols.resolve(0xffffffff81002001L).function()).isEqualTo("last");
    }

    @Test
    void namesTheModuleOfModuleSymbols() throws IOException {
        Frame frame = parse(KALLSYMS).resolve(0xffffffffc0a01100L);

        assertThat(frame).isEqualTo(new Frame("ext4_file_read_iter", "ext4", Frame.Origin.KERNEL));
    }

    @Test
    void anAddressBelowEverySymbolIsUnknownNotDropped() throws IOException {
        assertThat(parse(KALLSYMS).resolve(0x1000L)).isEqualTo(Frames.unknown(Frame.Origin.KERNEL));
    }

    @Test
    void hiddenAddressesKeepProfilingWithFramesNamedByRegion(@TempDir Path dir) throws IOException {
        Path kallsyms = Files.writeString(dir.resolve("kallsyms"), """
                0000000000000000 T _stext
                0000000000000000 T vfs_read
                """);
        KernelAddressVisibility stock = new KernelAddressVisibility(0, 2, false);

        KernelSymbols symbols = KernelSymbols.load(kallsyms, stock);

        assertThat(symbols.hidden()).isTrue();
        assertThat(symbols.hiddenReason()).hasValue(stock.explain());
        assertThat(symbols.resolve(0xffffffff81003010L))
                .isEqualTo(new Frame(KernelSymbols.HIDDEN_KERNEL_FRAME, "vmlinux", Frame.Origin.KERNEL));
        if ("amd64".equals(System.getProperty("os.arch"))) {
            assertThat(symbols.resolve(0xffffffffc0a01100L).function()).isEqualTo(KernelSymbols.HIDDEN_MODULE_FRAME);
        }
    }

    @Test
    void realAddressesAreNotHidden() throws IOException {
        assertThat(parse(KALLSYMS).hidden()).isFalse();
        assertThat(parse(KALLSYMS).hiddenReason()).isEmpty();
    }

    @Test
    void aMalformedLineNamesItsLine() {
        assertThatThrownBy(() -> parse("ffffffff81000000 T _stext\nnot-hex T x\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("line 2");
    }

    @Test
    void resolvesThisMachinesKernel() throws IOException {
        assumeTrue(Files.isReadable(KernelSymbols.PROC_KALLSYMS), "no /proc/kallsyms");
        // Find a real function and its successor in the raw file, then resolve an address between them.
        List<String[]> text = Files.readAllLines(KernelSymbols.PROC_KALLSYMS).stream()
                .map(line -> line.split("\\s+"))
                .filter(fields -> fields.length == 3 && fields[1].equals("T"))
                .toList();
        String[] vfsRead = text.stream()
                .filter(fields -> fields[2].equals("vfs_read"))
                .findFirst()
                .orElseThrow();
        long address = Long.parseUnsignedLong(vfsRead[0], 16);
        assumeTrue(address != 0, "kptr_restrict hides kernel addresses (not root?)");

        KernelSymbols symbols = KernelSymbols.load();

        assertThat(symbols.resolve(address + 4)).isEqualTo(new Frame("vfs_read", "vmlinux", Frame.Origin.KERNEL));
    }
}
