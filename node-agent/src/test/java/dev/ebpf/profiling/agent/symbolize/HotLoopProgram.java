package dev.ebpf.profiling.agent.symbolize;

import dev.ebpf.profiling.agent.testsupport.CompiledC;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The C fixture {@code symbolize/hot_loop.c}, compiled with gcc into a directory of the caller's
 * choosing, with frame pointers and symbols. It spends its CPU in {@link #HOT_FUNCTION} and
 * prints that function's runtime address first. Shared with the end-to-end eBPF tests.
 */
public final class HotLoopProgram {

    public static final String HOT_FUNCTION = "profiler_test_hot_function";
    private static final String SOURCE_RESOURCE = "/symbolize/hot_loop.c";
    private static final long TOOL_TIMEOUT_SECONDS = 60;

    /** How to link: a position-independent executable (ET_DYN) or a fixed-address one (ET_EXEC). */
    public enum Linkage {
        PIE("-pie", "-fPIE"),
        NO_PIE("-no-pie", "-fno-PIE");

        private final String linkFlag;
        private final String compileFlag;

        Linkage(String linkFlag, String compileFlag) {
            this.linkFlag = linkFlag;
            this.compileFlag = compileFlag;
        }
    }

    private final Path binary;

    private HotLoopProgram(Path binary) {
        this.binary = binary;
    }

    /** Compiles the fixture as a PIE executable named {@code hot_loop} in this directory. */
    public static HotLoopProgram compile(Path directory) throws IOException, InterruptedException {
        return compile(directory, "hot_loop", Linkage.PIE);
    }

    public static HotLoopProgram compile(Path directory, String name, Linkage linkage)
            throws IOException, InterruptedException {
        Path source = directory.resolve("hot_loop.c");
        if (!Files.exists(source)) {
            try (InputStream in = HotLoopProgram.class.getResourceAsStream(SOURCE_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("test resource " + SOURCE_RESOURCE + " is missing");
                }
                Files.copy(in, source);
            }
        }
        Path binary = directory.resolve(name);
        run(List.of(
                "gcc",
                "-O0",
                "-fno-omit-frame-pointer",
                "-g",
                linkage.compileFlag,
                linkage.linkFlag,
                "-o",
                binary.toString(),
                source.toString()));
        return new HotLoopProgram(binary);
    }

    public Path binary() {
        return binary;
    }

    /** A copy with its symbol tables stripped (strip --strip-all removes .symtab). */
    public HotLoopProgram stripped(Path target) throws IOException, InterruptedException {
        run(List.of("strip", "--strip-all", "-o", target.toString(), binary.toString()));
        return new HotLoopProgram(target);
    }

    /** Its separate debug file, as distributions ship them (objcopy --only-keep-debug). */
    public void keepOnlyDebug(Path target) throws IOException, InterruptedException {
        Files.createDirectories(target.getParent());
        run(List.of("objcopy", "--only-keep-debug", binary.toString(), target.toString()));
    }

    /** The GNU build id, from {@code readelf -n}. */
    public String buildId() throws IOException, InterruptedException {
        String prefix = "Build ID:";
        return run(List.of("readelf", "-n", binary.toString())).stream()
                .map(String::strip)
                .filter(line -> line.startsWith(prefix))
                .map(line -> line.substring(prefix.length()).strip())
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(binary + " has no build id (gcc without --build-id?)"));
    }

    /** The hot function's link-time address and size, from {@code nm -S}. */
    public long[] hotFunctionAddressAndSize() throws IOException, InterruptedException {
        return CompiledC.functionAddressAndSize(binary, HOT_FUNCTION);
    }

    /** Starts the program burning CPU, or idle (sleeping) when {@code idle} is true. */
    public Running start(boolean idle) throws IOException {
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        if (idle) {
            command.add("idle");
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader output =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String first = output.readLine();
        String prefix = HOT_FUNCTION + "=0x";
        if (first == null || !first.startsWith(prefix)) {
            process.destroyForcibly();
            throw new IllegalStateException(binary + " printed '" + first + "' instead of its hot function's address");
        }
        return new Running(process, Long.parseUnsignedLong(first.substring(prefix.length()), 16));
    }

    /** A started fixture; closing it kills the process. */
    public record Running(Process process, long hotFunctionAddress) implements AutoCloseable {

        public int pid() {
            return Math.toIntExact(process.pid());
        }

        @Override
        public void close() {
            process.destroyForcibly();
            try {
                process.waitFor(TOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the test is being stopped: leave the flag for it
            }
        }
    }

    private static List<String> run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(TOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output.strip());
        }
        return output.lines().toList();
    }
}
