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
            UnwindTables.Lease first = tables.acquire(file, exited);
            UnwindTables.Loaded next = tables.acquire(file, List.of(XZ)).loaded();

            assertThat(first.loaded().rowCount()).isZero();
            assertThat(first.file()).as("nothing held, nothing to release").isNull();
            assertThat(next.rowCount()).isPositive();
            assertThat(tables.acquire(file, List.of(XZ)).loaded()).isEqualTo(next);
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

            assertThat(tables.acquire(file, List.of(notElf)).loaded().rowCount())
                    .isZero();
            assertThat(tables.stats().files()).isEqualTo(1);
        }
    }

    /**
     * A busy node maps more distinct files over its life than the row array holds: the rows of
     * files no process holds any more are reused, but only after the grace period (a program that
     * fetched a process's entry just before it was deleted may still read them), and never those
     * of a file a process still holds.
     */
    @Test
    void rowsOfFilesNoProcessHoldsAreReusedAfterTheGrace() throws Exception {
        List<Path> binaries = distinctBinaries(8);
        assumeTrue(binaries.size() == 8, "needs 8 ELF files with tables in /usr/bin");
        long[] now = {0};
        int largest = 0;
        try (Arena arena = Arena.ofConfined()) {
            // Measure each file's table in a roomy array first.
            UnwindTables roomy = new UnwindTables(arena.allocate((long) ROWS * 8 * UnwindRowLayout.BYTES, 8));
            int sum = 0;
            for (int i = 0; i < binaries.size(); i++) {
                int rows = roomy.acquire(new FileIdentity("fd:09", i), List.of(binaries.get(i)))
                        .loaded()
                        .rowCount();
                largest = Math.max(largest, rows);
                sum += rows;
            }
            // Room for about two of them at once: eight only fit if rows are reused.
            int capacity = 2 * largest + 1;
            assumeTrue(sum > capacity, "the files together must not fit");
            UnwindTables tables =
                    new UnwindTables(arena.allocate((long) capacity * UnwindRowLayout.BYTES, 8), () -> now[0]);
            FileIdentity held = new FileIdentity("fd:09", 0);
            UnwindTables.Loaded kept =
                    tables.acquire(held, List.of(binaries.get(0))).loaded();
            assertThat(kept.rowCount()).isPositive();
            for (int i = 1; i < binaries.size(); i++) {
                FileIdentity file = new FileIdentity("fd:09", i);
                UnwindTables.Loaded loaded =
                        tables.acquire(file, List.of(binaries.get(i))).loaded();
                assertThat(loaded.rowCount()).as("rows of %s", binaries.get(i)).isPositive();
                assertThat(loaded.rowStart() + loaded.rowCount() <= kept.rowStart()
                                || loaded.rowStart() >= kept.rowStart() + kept.rowCount())
                        .as("the held file's rows are never given to another")
                        .isTrue();
                tables.release(file); // its process exited
                now[0] += UnwindTables.GRACE_NANOS;
            }
            UnwindTables.Stats stats = tables.stats();
            assertThat(stats.filesRefused()).isZero();
            assertThat(stats.filesFreed()).as("files whose rows were reused").isPositive();
            assertThat(stats.rowsUsed()).isLessThanOrEqualTo(capacity);
            assertThat(tables.acquire(held, List.of(binaries.get(0))).loaded())
                    .as("the held file kept its rows")
                    .isEqualTo(kept);

            // Within the grace nothing is reused: a file that does not fit then gets no rows...
            FileIdentity released = new FileIdentity("fd:09", 1);
            tables.acquire(released, List.of(binaries.get(1)));
            FileIdentity other = new FileIdentity("fd:09", 2);
            tables.release(released);
            int refusedBefore = tables.stats().filesRefused();
            UnwindTables.Lease early = tables.acquire(other, List.of(binaries.get(2)));
            if (early.loaded().rowCount() == 0) {
                assertThat(tables.stats().filesRefused()).isEqualTo(refusedBefore + 1);
                // ...and is tried again once nobody holds it, after the grace: then it fits.
                tables.release(other);
                now[0] += UnwindTables.GRACE_NANOS;
                assertThat(tables.acquire(other, List.of(binaries.get(2)))
                                .loaded()
                                .rowCount())
                        .isPositive();
            }
        }
    }

    /** ELF executables of /usr/bin with distinct tables (the first {@code count} that have rows). */
    private static List<Path> distinctBinaries(int count) throws Exception {
        List<Path> found = new java.util.ArrayList<>();
        try (var files = Files.list(Path.of("/usr/bin"))) {
            for (Path file : files.sorted().toList()) {
                if (found.size() == count) {
                    break;
                }
                if (!Files.isRegularFile(file) || Files.isSymbolicLink(file) || Files.size(file) > (4 << 20)) {
                    continue;
                }
                try (Arena arena = Arena.ofConfined()) {
                    UnwindTables probe = new UnwindTables(arena.allocate((long) ROWS * 8 * UnwindRowLayout.BYTES, 8));
                    if (probe.acquire(new FileIdentity("fd:08", 1), List.of(file))
                                    .loaded()
                                    .rowCount()
                            > 100) {
                        found.add(file);
                    }
                }
            }
        }
        return found;
    }
}
