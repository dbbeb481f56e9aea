package dev.ebpf.profiling.agent.symbolize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.testsupport.CompiledC;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.agent.testsupport.TestTags;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tracker's bookkeeping (mappings replaced by newer ones, eviction), and the kernel's records live. */
class MappingTrackerTest {

    private static final FileIdentity LIB = new FileIdentity("fe:00", 42);
    private static final FileIdentity OTHER = new FileIdentity("fe:00", 43);

    private static MemoryMapping mapping(long start, long end, long offset, FileIdentity file) {
        return new MemoryMapping(start, end, true, offset, file, "/lib/x.so");
    }

    private static Symbolizer symbolizer() throws IOException {
        KernelSymbols kernel = KernelSymbols.parse(
                new BufferedReader(new StringReader("ffffffff81000000 T entry_SYSCALL_64\n")), "test");
        return new Symbolizer(kernel, Path.of("/proc"), Symbolizer.DEFAULT_CACHED_FILES, Symbolizer.DEBUG_DIRECTORY);
    }

    @Test
    void aNewMappingCutsAwayWhatItCovers() {
        TreeMap<Long, MemoryMapping> mappings = new TreeMap<>();
        MappingTracker.replace(mappings, mapping(0x1000, 0x9000, 0, LIB));

        MappingTracker.replace(mappings, mapping(0x3000, 0x5000, 0x100, OTHER));

        // The old mapping keeps its head and tail, the tail's file offset moved along with it.
        assertThat(mappings.values())
                .containsExactly(
                        mapping(0x1000, 0x3000, 0, LIB),
                        mapping(0x3000, 0x5000, 0x100, OTHER),
                        mapping(0x5000, 0x9000, 0x4000, LIB));
    }

    @Test
    void aNewMappingOverSeveralOldOnesReplacesThem() {
        TreeMap<Long, MemoryMapping> mappings = new TreeMap<>();
        MappingTracker.replace(mappings, mapping(0x1000, 0x2000, 0, LIB));
        MappingTracker.replace(mappings, mapping(0x2000, 0x3000, 0x1000, LIB));
        MappingTracker.replace(mappings, mapping(0x3000, 0x4000, 0x2000, LIB));

        MappingTracker.replace(mappings, mapping(0x1800, 0x3800, 0, OTHER));

        assertThat(mappings.values())
                .containsExactly(
                        mapping(0x1000, 0x1800, 0, LIB),
                        mapping(0x1800, 0x3800, 0, OTHER),
                        mapping(0x3800, 0x4000, 0x2800, LIB));
    }

    @Test
    void devicesPrintAsProcMapsPrintsThem() {
        assertThat(MappingTracker.device(0xfe, 0)).isEqualTo("fe:00");
        assertThat(MappingTracker.device(259, 2)).isEqualTo("103:02");
        assertThat(MappingTracker.device(0, 0)).isEqualTo("00:00");
    }

    @Test
    void whereTheKernelRefusesTheRecordsItSaysWhyAndSymbolizesAsBefore() throws Exception {
        Symbolizer symbolizer = symbolizer();
        // No such CPU: perf_event_open fails as it would without the privilege.
        try (MappingTracker tracker = symbolizer.trackMappings(List.of(1 << 20))) {
            assertThat(tracker.unavailableReason())
                    .hasValueSatisfying(reason -> assertThat(reason).contains("mappings are not tracked", "[exited]"));
            assertThat(symbolizer.mappingTrackingUnavailable()).isEqualTo(tracker.unavailableReason());

            Process gone = new ProcessBuilder("true").start();
            gone.waitFor();
            int pid = Math.toIntExact(gone.pid());
            SliceSymbols slice = symbolizer.snapshot(List.of(pid));
            assertThat(slice.captured(pid)).isFalse();
            assertThat(slice.exitedProcessName(pid)).isEmpty();
        }
    }

    @Test
    @Tag(TestTags.BPF)
    void anExitedProcessIsKeptUntilTheSliceAfterItsExitIsSymbolized() throws Exception {
        RequiresRoot.assumeBpf();
        Symbolizer symbolizer = symbolizer();
        try (MappingTracker tracker = symbolizer.trackMappings()) {
            assertThat(tracker.unavailableReason()).isEmpty();
            Process gone = new ProcessBuilder("sh", "-c", "sleep 0.2; exec /bin/true").start();
            gone.waitFor();
            int pid = Math.toIntExact(gone.pid());

            // The slice during which it exited, then the next one (it may have samples there too).
            SliceSymbols during = symbolizer.snapshot(List.of(pid));
            SliceSymbols next = symbolizer.snapshot(List.of(pid));
            SliceSymbols after = symbolizer.snapshot(List.of(pid));

            assertThat(during.captured(pid)).isTrue();
            assertThat(during.exitedProcessName(pid)).hasValue("true");
            assertThat(next.captured(pid)).isTrue();
            assertThat(after.captured(pid)).isFalse();
            assertThat(tracker.stats().executableMappings()).isPositive();
        }
    }

    /** Maps /usr/bin/true executable, says where, unmaps it, says so, then waits for stdin to close. */
    private static final String UNMAPPING_PROGRAM = """
            #include <fcntl.h>
            #include <stdio.h>
            #include <sys/mman.h>
            #include <unistd.h>

            int main(void) {
                int fd = open("/usr/bin/true", O_RDONLY);
                void *code = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
                printf("%lx\\n", (unsigned long)code);
                fflush(stdout);
                munmap(code, 4096);
                printf("unmapped\\n");
                fflush(stdout);
                char byte;
                while (read(0, &byte, 1) > 0) {}
                return 0;
            }
            """;

    @Test
    @Tag(TestTags.BPF)
    void aCallerInCodeUnmappedDuringTheSliceIsNoGarbage(@TempDir Path dir) throws Exception {
        RequiresRoot.assumeBpf();
        Path binary = CompiledC.build(dir, "unmapping", UNMAPPING_PROGRAM, "-O1");
        Symbolizer symbolizer = symbolizer();
        try (MappingTracker tracker = symbolizer.trackMappings()) {
            assertThat(tracker.unavailableReason()).isEmpty();
            Process process = new ProcessBuilder(binary.toString()).start();
            int pid = Math.toIntExact(process.pid());
            BufferedReader output = process.inputReader();
            long unmapped = Long.parseUnsignedLong(output.readLine(), 16) + 16;
            assertThat(output.readLine()).isEqualTo("unmapped");
            long main = ProcessMaps.read(Path.of("/proc/" + pid + "/maps")).mappings().stream()
                    .filter(mapping -> mapping.filePath().endsWith("/unmapping"))
                    .findFirst()
                    .orElseThrow()
                    .start();
            long garbage = 0x1000L;
            long[] throughUnmapped = {main, unmapped, main + 16};
            long[] throughGarbage = {main, garbage, main + 16};

            // Alive: its maps no longer show the code, the kernel's records still do.
            SliceSymbols alive = symbolizer.snapshot(List.of(pid));
            assertThat(alive.frames(pid, throughUnmapped, new long[0])).hasSize(3);
            assertThat(alive.frames(pid, throughGarbage, new long[0])).hasSize(1);
            // Without the records, only its maps at slice end are known.
            SliceSymbols untracked = symbolizer().snapshot(List.of(pid));
            assertThat(untracked.frames(pid, throughUnmapped, new long[0])).hasSize(1);

            process.getOutputStream().close();
            assertThat(process.waitFor()).isZero();
            // Exited: the records alone.
            SliceSymbols exited = symbolizer.snapshot(List.of(pid));
            assertThat(exited.exitedProcessName(pid)).hasValue("unmapping");
            assertThat(exited.frames(pid, throughUnmapped, new long[0])).hasSize(3);
            assertThat(exited.frames(pid, throughGarbage, new long[0])).hasSize(1);
        }
    }

    @Test
    @Tag(TestTags.BPF)
    void filesAreHeldWhenMappedAndReadOnlyWhereSamplesLand() throws Exception {
        RequiresRoot.assumeBpf();
        Symbolizer symbolizer = symbolizer();
        try (MappingTracker tracker = symbolizer.trackMappings()) {
            Process first = new ProcessBuilder("sh", "-c", "exec /bin/true").start();
            first.waitFor();
            int pid = Math.toIntExact(first.pid());
            Thread.sleep(2_000); // the reader has held sh's, true's, libc's and ld.so's files
            long heldAfterFirst = symbolizer.filesHeld();
            assertThat(heldAfterFirst).isPositive();
            // Mapping a file reads nothing: only a slice whose samples land in a file does.
            assertThat(symbolizer.fileReads()).isZero();

            // The set first, then the count: a file held in between is then new, never counted twice.
            Set<FileIdentity> heldBefore = symbolizer.heldFileIdentities();
            long openedBefore = symbolizer.filesHeld();
            for (int i = 0; i < 20; i++) {
                new ProcessBuilder("sh", "-c", "exec /bin/true").start().waitFor();
            }
            Thread.sleep(2_000);
            // Twenty more of the same programs: every file is a lookup, none is opened again. Opened
            // anew, they would cost 80 (sh, true, libc, ld.so each). The tracker sees the whole
            // machine, so other processes' files may be opened meanwhile (a busy machine maps many):
            // each open must be a file that was not held before, never one of these again.
            Set<FileIdentity> newlyHeld = new HashSet<>(symbolizer.heldFileIdentities());
            newlyHeld.removeAll(heldBefore);
            assertThat(symbolizer.filesHeld() - openedBefore).isLessThanOrEqualTo(newlyHeld.size());
            assertThat(tracker.stats().exits()).isGreaterThanOrEqualTo(21);

            // A sample in the first (exited) process's executable: that one file is read, through
            // the descriptor held since it was mapped; its libraries, which no sample hit, are not.
            MemoryMapping executable = tracker.image(pid).maps().mappings().stream()
                    .filter(mapping -> mapping.filePath().endsWith("/true"))
                    .findFirst()
                    .orElseThrow();
            SliceSymbols slice = symbolizer.snapshot(Map.of(pid, new long[] {executable.start()}));
            assertThat(slice.captured(pid)).isTrue();
            assertThat(symbolizer.fileReads()).isEqualTo(1);
            assertThat(slice.frames(pid, new long[] {executable.start()}, new long[0]))
                    .singleElement()
                    .satisfies(frame -> assertThat(frame.module()).isEqualTo("true"));
        }
    }
}
