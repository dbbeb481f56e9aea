package dev.ebpf.profiling.api.flamegraph;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs src/test/browser/flamegraph-check.mjs (playwright-core driving Debian's /usr/bin/chromium)
 * and returns the JSON it prints. The script and its lock file are copied under target/, where
 * {@code npm ci} installs playwright-core once; no browser is downloaded.
 */
final class HeadlessChromium {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    /** The api module: the working directory under surefire, api/ under exec:java from the root. */
    private static final Path MODULE =
            Files.isDirectory(Path.of("src", "test", "browser")) ? Path.of("") : Path.of("api");

    static final Path WORK = MODULE.resolve("target").resolve("flamegraph-browser");
    private static final Path SOURCES = MODULE.resolve("src").resolve("test").resolve("browser");
    private static final Path RUNNER = WORK.resolve("runner");
    private static final List<String> RUNNER_FILES =
            List.of("package.json", "package-lock.json", "flamegraph-check.mjs");
    private static final long NPM_TIMEOUT_SECONDS = 300;
    private static final long RUN_TIMEOUT_SECONDS = 300;

    private HeadlessChromium() {}

    /** Runs the script with {@code arguments}; fails with the script's one-line error if it fails. */
    static JsonNode run(String... arguments) throws IOException, InterruptedException {
        if (!Files.isExecutable(CHROMIUM)) {
            throw new IllegalStateException(
                    "Chromium is not installed at " + CHROMIUM + ": apt-get install chromium (the Debian package)");
        }
        prepareRunner();
        List<String> command = new ArrayList<>(List.of("node", "flamegraph-check.mjs"));
        for (String argument : arguments) {
            command.add(argument);
        }
        Result result = exec(command, RUN_TIMEOUT_SECONDS);
        if (result.exitCode() != 0) {
            throw new IllegalStateException(
                    "browser check failed: " + result.stderr().strip());
        }
        return new ObjectMapper().readTree(result.stdout());
    }

    private static void prepareRunner() throws IOException, InterruptedException {
        Files.createDirectories(RUNNER);
        boolean lockChanged = false;
        for (String file : RUNNER_FILES) {
            Path source = SOURCES.resolve(file);
            Path target = RUNNER.resolve(file);
            if (file.equals("package-lock.json") && (!Files.exists(target) || Files.mismatch(source, target) != -1)) {
                lockChanged = true;
            }
            Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
        if (lockChanged || !Files.isDirectory(RUNNER.resolve("node_modules").resolve("playwright-core"))) {
            Result npm = exec(List.of("npm", "ci", "--no-audit", "--no-fund"), NPM_TIMEOUT_SECONDS);
            if (npm.exitCode() != 0) {
                throw new IllegalStateException("npm ci in " + RUNNER + " failed: "
                        + npm.stderr().strip().lines().reduce((a, b) -> b).orElse(""));
            }
        }
    }

    private record Result(int exitCode, String stdout, String stderr) {}

    private static Result exec(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        Path out = Files.createTempFile("flamegraph-browser", ".out");
        Path err = Files.createTempFile("flamegraph-browser", ".err");
        try {
            Process process = new ProcessBuilder(command)
                    .directory(RUNNER.toFile())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new IllegalStateException(
                        String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
            }
            return new Result(
                    process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
