package dev.ebpf.profiling.agent.symbolize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ebpf.profiling.api.profile.Frame;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

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
    void withoutSymbolsEveryKernelFrameIsUnknown() {
        KernelSymbols none = KernelSymbols.none();
        assertThat(none.size()).isZero();
        assertThat(none.resolve(0xffffffff81000000L).origin()).isEqualTo(Frame.Origin.KERNEL);
        assertThat(none.resolve(0xffffffff81000000L).function()).isEqualTo("[unknown]");
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
    void namesTheModuleOfModuleSymbols() throws IOException {
        Frame frame = parse(KALLSYMS).resolve(0xffffffffc0a01100L);

        assertThat(frame).isEqualTo(new Frame("ext4_file_read_iter", "ext4", Frame.Origin.KERNEL));
    }

    @Test
    void anAddressBelowEverySymbolIsUnknownNotDropped() throws IOException {
        assertThat(parse(KALLSYMS).resolve(0x1000L)).isEqualTo(Frames.unknown(Frame.Origin.KERNEL));
    }

    @Test
    void hiddenAddressesGiveAClearError() {
        String hidden = """
                0000000000000000 T _stext
                0000000000000000 T vfs_read
                """;

        assertThatThrownBy(() -> parse(hidden))
                .isInstanceOf(KernelSymbolsHiddenException.class)
                .hasMessageContaining("kptr_restrict");
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
