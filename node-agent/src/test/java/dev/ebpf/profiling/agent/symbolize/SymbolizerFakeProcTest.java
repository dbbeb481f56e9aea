package dev.ebpf.profiling.agent.symbolize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.profile.Frame;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshots of processes that cannot be read, on a made-up /proc. */
class SymbolizerFakeProcTest {

    @TempDir
    Path proc;

    private Symbolizer symbolizer() throws IOException {
        KernelSymbols kernel =
                KernelSymbols.parse(new BufferedReader(new StringReader("ffffffff81000000 T f\n")), "test");
        return new Symbolizer(kernel, proc, Symbolizer.DEFAULT_CACHED_FILES, Symbolizer.DEBUG_DIRECTORY);
    }

    @Test
    void aProcessWhoseMapsDoNotParseGivesUnknownFramesAndAProblemLine() throws IOException {
        Path process = Files.createDirectories(proc.resolve("123"));
        Files.writeString(process.resolve("maps"), "this is not a maps line\n");
        Files.createSymbolicLink(process.resolve("exe"), Path.of("/usr/bin/app"));

        SliceSymbols slice = symbolizer().snapshot(List.of(123));
        SymbolizedStack stack =
                slice.symbolize(new StackSample(123, "app", new long[] {0x401000L, 0x402000L}, new long[0], 1));

        // Without its mappings no frame can be told to be garbage: every one is kept.
        assertThat(stack.frames())
                .containsExactly(Frames.unknown(Frame.Origin.UNKNOWN), Frames.unknown(Frame.Origin.UNKNOWN));
        assertThat(slice.problems())
                .singleElement()
                .asString()
                .startsWith("process 123: cannot read its maps or executable: ")
                .contains("line 1");
        assertThat(slice.captured(123)).isTrue();
    }

    @Test
    void aProcessWithoutADirectoryHasExited() throws IOException {
        SliceSymbols slice = symbolizer().snapshot(List.of(999));

        assertThat(slice.captured(999)).isFalse();
        assertThat(slice.problems()).isEmpty();
        assertThat(slice.symbolize(new StackSample(999, "app", new long[] {0x401000L}, new long[0], 1))
                        .frames())
                .containsExactly(Frames.exited());
    }
}
