package dev.ebpf.profiling.agent.symbolize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.profile.Frame;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.lang.foreign.Linker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Symbolizes addresses of live processes: the C fixture (PIE and not), libc in this JVM, a JIT
 * map, processes that exit before and after the slice-end snapshot.
 */
class SymbolizerLiveTest {

    private static final long[] NO_IPS = {};
    private static final Path PROC = Path.of("/proc");

    @TempDir
    Path directory;

    private static KernelSymbols kernelSymbols() throws IOException {
        return KernelSymbols.parse(new BufferedReader(new StringReader("""
                ffffffff81000000 T entry_SYSCALL_64
                ffffffff81100000 T vfs_read
                """)), "test");
    }

    private static Symbolizer symbolizer() throws IOException {
        return new Symbolizer(kernelSymbols(), PROC, Symbolizer.DEFAULT_CACHED_FILES, Symbolizer.DEBUG_DIRECTORY);
    }

    private static SymbolizedStack symbolize(Symbolizer symbolizer, int pid, long... userIps) {
        return symbolizer.snapshot(List.of(pid)).symbolize(new StackSample(pid, "app", userIps, NO_IPS, 1));
    }

    @ParameterizedTest
    @EnumSource(HotLoopProgram.Linkage.class)
    void namesTheHotFunctionOfALiveProcess(HotLoopProgram.Linkage linkage) throws Exception {
        HotLoopProgram program = HotLoopProgram.compile(directory, "hot_loop", linkage);
        long size = program.hotFunctionAddressAndSize()[1];
        try (HotLoopProgram.Running running = program.start(true)) {
            long start = running.hotFunctionAddress();

            // A leaf at the function's first byte; a caller's return address just past its last byte.
            SymbolizedStack stack = symbolize(symbolizer(), running.pid(), start, start + size / 2, start + size);

            Frame expected = new Frame(HotLoopProgram.HOT_FUNCTION, "hot_loop", Frame.Origin.EXECUTABLE);
            assertThat(stack.frames()).containsExactly(expected, expected, expected);
        }
    }

    @Test
    void aStackEndsBelowACallerThatIsNoCode() throws Exception {
        HotLoopProgram program = HotLoopProgram.compile(directory);
        long size = program.hotFunctionAddressAndSize()[1];
        try (HotLoopProgram.Running running = program.start(true)) {
            long start = running.hotFunctionAddress();
            // What a frame-pointer walk through code without frame pointers finds: a caller that is
            // data (page 0 is never mapped), then whatever that data pointed on to.
            long data = 0x1000L;

            Frame hot = new Frame(HotLoopProgram.HOT_FUNCTION, "hot_loop", Frame.Origin.EXECUTABLE);
            assertThat(symbolize(symbolizer(), running.pid(), start, data, start + size / 2)
                            .frames())
                    .containsExactly(hot);
            assertThat(symbolize(symbolizer(), running.pid(), start, start + size / 2, data)
                            .frames())
                    .containsExactly(hot, hot);
            // A leaf outside any code is still one frame: it is where the CPU was.
            assertThat(symbolize(symbolizer(), running.pid(), data, start + size / 2)
                            .frames())
                    .containsExactly(Frames.unknown(Frame.Origin.UNKNOWN), hot);
        }
    }

    @Test
    void aStrippedExecutableGivesModulePlusOffset() throws Exception {
        HotLoopProgram stripped = HotLoopProgram.compile(directory).stripped(directory.resolve("hot_loop_stripped"));
        try (HotLoopProgram.Running running = stripped.start(true)) {
            Frame leaf = symbolize(symbolizer(), running.pid(), running.hotFunctionAddress())
                    .leaf();

            // Named by file, so such code groups per file; the address stays in the system name.
            assertThat(leaf.function()).isEqualTo("[hot_loop_stripped]");
            assertThat(leaf.systemName()).matches("\\[hot_loop_stripped\\+0x[0-9a-f]+]");
            assertThat(leaf.origin()).isEqualTo(Frame.Origin.EXECUTABLE);
        }
    }

    @Test
    void aStrippedExecutableIsNamedFromItsDebugFileFoundByBuildId() throws Exception {
        HotLoopProgram program = HotLoopProgram.compile(directory);
        HotLoopProgram stripped = program.stripped(directory.resolve("hot_loop_stripped"));
        String buildId = program.buildId();
        Path debugDirectory = directory.resolve("debug");
        Path debugFile =
                debugDirectory.resolve(".build-id/" + buildId.substring(0, 2) + "/" + buildId.substring(2) + ".debug");
        program.keepOnlyDebug(debugFile);
        Symbolizer symbolizer =
                new Symbolizer(kernelSymbols(), PROC, Symbolizer.DEFAULT_CACHED_FILES, debugDirectory.toString());
        try (HotLoopProgram.Running running = stripped.start(true)) {
            Frame leaf = symbolize(symbolizer, running.pid(), running.hotFunctionAddress())
                    .leaf();

            assertThat(symbolizer.debugFileReads()).isPositive();
            assertThat(leaf)
                    .isEqualTo(new Frame(HotLoopProgram.HOT_FUNCTION, "hot_loop_stripped", Frame.Origin.EXECUTABLE));
        }
    }

    @Test
    void namesLibcFunctionsOfThisJvmAsLibraryFrames() throws IOException {
        long getpid = Linker.nativeLinker()
                .defaultLookup()
                .find("getpid")
                .orElseThrow()
                .address();
        int self = Math.toIntExact(ProcessHandle.current().pid());

        Frame frame = symbolize(symbolizer(), self, getpid).leaf();

        assertThat(frame.function()).isIn("getpid", "__getpid");
        assertThat(frame.module()).startsWith("libc");
        assertThat(frame.origin()).isEqualTo(Frame.Origin.LIBRARY);
    }

    @Test
    void putsKernelFramesBeforeUserFramesLeafFirst() throws Exception {
        try (HotLoopProgram.Running running = HotLoopProgram.compile(directory).start(true)) {
            int pid = running.pid();
            SymbolizedStack stack = symbolizer()
                    .snapshot(List.of(pid))
                    .symbolize(new StackSample(
                            pid,
                            "app",
                            new long[] {running.hotFunctionAddress()},
                            new long[] {0xffffffff81100010L, 0xffffffff81000010L},
                            3));

            assertThat(stack.frames())
                    .extracting(Frame::function)
                    .containsExactly("vfs_read", "entry_SYSCALL_64", HotLoopProgram.HOT_FUNCTION);
            assertThat(stack.count()).isEqualTo(3);
        }
    }

    @Test
    void aProcessThatExitedBeforeTheSnapshotGivesExitedFrames() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        int pid = Math.toIntExact(gone.pid());

        SymbolizedStack stack = symbolize(symbolizer(), pid, 0x401000L, 0x402000L);

        assertThat(stack.frames()).containsExactly(Frames.exited(), Frames.exited());
    }

    @Test
    void aProcessThatExitsAfterTheSnapshotStillResolves() throws Exception {
        HotLoopProgram program = HotLoopProgram.compile(directory);
        SliceSymbols slice;
        long address;
        int pid;
        try (HotLoopProgram.Running running = program.start(true)) {
            pid = running.pid();
            address = running.hotFunctionAddress();
            slice = symbolizer().snapshot(List.of(pid));
        }
        assertThat(PROC.resolve(Integer.toString(pid))).doesNotExist();

        Frame leaf = slice.symbolize(new StackSample(pid, "app", new long[] {address}, NO_IPS, 1))
                .leaf();

        assertThat(leaf.function()).isEqualTo(HotLoopProgram.HOT_FUNCTION);
    }

    @Test
    void aBinaryDeletedWhileItRunsStillResolves() throws Exception {
        HotLoopProgram program = HotLoopProgram.compile(directory);
        try (HotLoopProgram.Running running = program.start(true)) {
            Files.delete(program.binary());

            Frame leaf = symbolize(symbolizer(), running.pid(), running.hotFunctionAddress())
                    .leaf();

            assertThat(leaf).isEqualTo(new Frame(HotLoopProgram.HOT_FUNCTION, "hot_loop", Frame.Origin.EXECUTABLE));
        }
    }

    @Test
    void readsEachFileOnceForManyProcessesOfOneBinary() throws Exception {
        HotLoopProgram program = HotLoopProgram.compile(directory);
        List<HotLoopProgram.Running> processes = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                processes.add(program.start(true));
            }
            List<Integer> pids =
                    processes.stream().map(HotLoopProgram.Running::pid).toList();
            Set<FileIdentity> distinctFiles = new HashSet<>();
            for (int pid : pids) {
                ProcessMaps.read(PROC.resolve(pid + "/maps")).mappings().stream()
                        .filter(MemoryMapping::isFileBacked)
                        .forEach(mapping -> distinctFiles.add(mapping.file()));
            }
            Symbolizer symbolizer = symbolizer();

            SliceSymbols first = symbolizer.snapshot(pids);
            long readsAfterFirst = symbolizer.fileReads();
            symbolizer.snapshot(pids);

            // The binary, libc and ld.so: each read once, however many processes map them.
            assertThat(distinctFiles).hasSize(3);
            assertThat(readsAfterFirst).isEqualTo(distinctFiles.size());
            assertThat(symbolizer.fileReads()).isEqualTo(readsAfterFirst);
            // Debug files (libc6-dbg, where installed) are read once too, with their file.
            assertThat(symbolizer.debugFileReads()).isLessThanOrEqualTo(distinctFiles.size());
            for (HotLoopProgram.Running running : processes) {
                assertThat(first.symbolize(new StackSample(
                                        running.pid(), "app", new long[] {running.hotFunctionAddress()}, NO_IPS, 1))
                                .leaf()
                                .function())
                        .isEqualTo(HotLoopProgram.HOT_FUNCTION);
            }
        } finally {
            for (HotLoopProgram.Running running : processes) {
                running.close();
            }
        }
    }

    @Test
    void aPerfMapThatIsAFifoCostsTheJitNamesOnlyAndNeverHangs() throws Exception {
        // A container can put anything at /tmp/perf-PID.map; a FIFO without a writer blocked the read.
        int self = Math.toIntExact(ProcessHandle.current().pid());
        Path perfMap = PROC.resolve(self + "/root/tmp/perf-" + self + ".map");
        assertThat(new ProcessBuilder("mkfifo", perfMap.toString()).start().waitFor())
                .isZero();
        try {
            SliceSymbols slice = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                    java.time.Duration.ofSeconds(30), () -> symbolizer().snapshot(List.of(self)));

            assertThat(slice.captured(self)).isTrue();
            assertThat(slice.problems())
                    .anySatisfy(problem -> assertThat(problem)
                            .contains("cannot read its JIT map")
                            .contains("not a regular file"));
        } finally {
            Files.delete(perfMap);
        }
    }

    @Test
    void namesJitCodeFromThePerfMapInTheProcessRoot() throws Exception {
        // This JVM is a real JIT: its code cache is anonymous executable memory.
        int self = Math.toIntExact(ProcessHandle.current().pid());
        MemoryMapping codeCache = ProcessMaps.read(PROC.resolve(self + "/maps")).mappings().stream()
                .filter(MemoryMapping::isAnonymous)
                .findFirst()
                .orElseThrow();
        long jitted = codeCache.start() + 0x100;
        Path perfMap = PROC.resolve(self + "/root/tmp/perf-" + self + ".map");
        // Code freed since (page 2 is never mapped) still has its name in the map, and is code.
        long freed = 0x2000L;
        Files.writeString(
                perfMap,
                Long.toHexString(jitted) + " 80 Lcom/example/Handler;::handle\n" + Long.toHexString(freed)
                        + " 80 Lcom/example/Freed;::gone\n");
        try {
            SymbolizedStack stack = symbolize(symbolizer(), self, jitted + 0x10, jitted + 0x81);

            assertThat(stack.frames())
                    .containsExactly(
                            new Frame("Lcom/example/Handler;::handle", PerfMap.MODULE, Frame.Origin.JIT),
                            // Generated code the map does not name is still the application's JIT code.
                            Frames.unknown(Frame.Origin.JIT));
            assertThat(symbolize(symbolizer(), self, jitted + 0x10, freed + 0x11, jitted + 0x11)
                            .frames())
                    .extracting(Frame::function)
                    .containsExactly(
                            "Lcom/example/Handler;::handle",
                            "Lcom/example/Freed;::gone",
                            "Lcom/example/Handler;::handle");
        } finally {
            Files.delete(perfMap);
        }
    }

    @Test
    void anAddressOutsideEveryMappingIsUnknown() throws Exception {
        try (HotLoopProgram.Running running = HotLoopProgram.compile(directory).start(true)) {
            assertThat(symbolize(symbolizer(), running.pid(), 0x1000L).leaf())
                    .isEqualTo(Frames.unknown(Frame.Origin.UNKNOWN));
        }
    }
}
