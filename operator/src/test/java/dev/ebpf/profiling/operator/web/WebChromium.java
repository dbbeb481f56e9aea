package dev.ebpf.profiling.operator.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ebpf.profiling.operator.ingest.FakeTokenReviewer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs src/test/browser/web-check.mjs (playwright-core driving Debian's /usr/bin/chromium) and
 * returns the JSON it prints. The script and its lock file are copied to target/web-browser/runner,
 * where {@code npm ci} installs playwright-core once; no browser is downloaded. The screenshots stay
 * in target/web-browser/ as the tests' artifacts.
 */
final class WebChromium {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    /** The operator module: surefire's working directory. */
    static final Path WORK = Path.of("target", "web-browser").toAbsolutePath();

    private static final Path SOURCES = Path.of("src", "test", "browser");
    private static final Path RUNNER = WORK.resolve("runner");
    private static final String SCRIPT = "web-check.mjs";
    private static final String LOCK = "package-lock.json";
    private static final List<String> RUNNER_FILES = List.of("package.json", LOCK, SCRIPT);
    private static final long NPM_TIMEOUT_SECONDS = 300;
    private static final long RUN_TIMEOUT_SECONDS = 300;

    private WebChromium() {}

    /** Runs the script with {@code arguments}; fails with the script's one-line error if it fails. */
    static JsonNode run(String... arguments) throws IOException, InterruptedException {
        if (!Files.isExecutable(CHROMIUM)) {
            throw new IllegalStateException(
                    "Chromium is not installed at " + CHROMIUM + ": apt-get install chromium (the Debian package)");
        }
        prepareRunner();
        List<String> command = new ArrayList<>(List.of("node", SCRIPT));
        command.addAll(List.of(arguments));
        Path out = Files.createTempFile("web-browser", ".out");
        Path err = Files.createTempFile("web-browser", ".err");
        try {
            int exit = exec(command, RUN_TIMEOUT_SECONDS, out, err);
            if (exit != 0) {
                throw new IllegalStateException(
                        "browser check failed: " + Files.readString(err).strip());
            }
            return new ObjectMapper().readTree(Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Copies the runner's files; {@code npm ci} only when the lock file changed or nothing is installed. */
    private static void prepareRunner() throws IOException, InterruptedException {
        Files.createDirectories(RUNNER);
        boolean lockChanged = !Files.exists(RUNNER.resolve(LOCK))
                || Files.mismatch(SOURCES.resolve(LOCK), RUNNER.resolve(LOCK)) != -1;
        for (String file : RUNNER_FILES) {
            Files.copy(SOURCES.resolve(file), RUNNER.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        if (lockChanged || !Files.isDirectory(RUNNER.resolve("node_modules").resolve("playwright-core"))) {
            Path log = WORK.resolve("npm-ci.log");
            int exit = exec(List.of("npm", "ci", "--no-audit", "--no-fund"), NPM_TIMEOUT_SECONDS, log, log);
            if (exit != 0) {
                throw new IllegalStateException("npm ci in " + RUNNER + " failed (exit " + exit + "), see " + log);
            }
        }
    }

    private static int exec(List<String> command, long timeoutSeconds, Path out, Path err)
            throws IOException, InterruptedException {
        ProcessBuilder builder =
                new ProcessBuilder(command).directory(RUNNER.toFile()).redirectOutput(out.toFile());
        // The page requests carry the tests' admin token (FakeTokenReviewer, FakeAccessReviewer).
        builder.environment().put("WEB_AUTHORIZATION", "Bearer " + FakeTokenReviewer.user(FakeAccessReviewer.ADMIN));
        if (out.equals(err)) {
            builder.redirectErrorStream(true);
        } else {
            builder.redirectError(err.toFile());
        }
        Process process = builder.start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new IllegalStateException(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
        }
        return process.exitValue();
    }
}
