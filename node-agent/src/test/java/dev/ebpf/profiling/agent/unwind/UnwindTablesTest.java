package dev.ebpf.profiling.agent.unwind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ebpf.profiling.agent.symbolize.FileIdentity;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which files' tables are remembered: a file's own failure is, a process gone before the read is not. */
class UnwindTablesTest {

    private static final Path XZ = Path.of("/usr/bin/xz");
    private static final int ROWS = 1 << 16;

    /**
     * libc is first met in whatever process the sampler happens to catch, often a short-lived one:
     * when it exits (or execs) before the file is opened, neither its map_files entry nor its root
     * leads to the file any more. That says nothing of the file, and the next process that maps it
     * must get its rows (remembered as "no rows", every process on the node stopped its stacks at
     * the first libc frame for the agent's life).
     */
    @Test
    void aFileNotReachableThroughAnExitedProcessIsReadThroughTheNext(@TempDir Path gone) {
        assumeTrue(Files.isRegularFile(XZ), XZ + " is not installed");
        try (Arena arena = Arena.ofConfined()) {
            UnwindTables tables = new UnwindTables(arena.allocate((long) ROWS * UnwindRowLayout.BYTES, 8));
            FileIdentity file = new FileIdentity("fd:01", 4242);

            List<Path> exited =
                    List.of(gone.resolve("map_files/5582ec644000-5582ec64f000"), gone.resolve("root/usr/bin/xz"));
            UnwindTables.Loaded first = tables.load(file, exited);
            UnwindTables.Loaded next = tables.load(file, List.of(XZ));

            assertThat(first.rowCount()).isZero();
            assertThat(next.rowCount()).isPositive();
            assertThat(tables.load(file, List.of(XZ))).isEqualTo(next);
        }
    }

    /** A file that was read and has no usable tables is not read again for every process. */
    @Test
    void aFileWithoutUsableTablesIsRememberedAsSuch(@TempDir Path dir) throws Exception {
        Path notElf = dir.resolve("not-elf");
        Files.writeString(notElf, "no ELF here", StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            UnwindTables tables = new UnwindTables(arena.allocate((long) ROWS * UnwindRowLayout.BYTES, 8));
            FileIdentity file = new FileIdentity("fd:01", 4343);

            assertThat(tables.load(file, List.of(notElf)).rowCount()).isZero();
            assertThat(tables.stats().files()).isEqualTo(1);
        }
    }
}
