package dev.ebpf.profiling.agent.hotspot;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The shared libraries that are language runtimes ({@code runtime-libraries.rules}, kept as data
 * like the kernel subsystems): code in them counts as the application's own.
 */
public final class RuntimeLibraries {

    static final String RESOURCE = "runtime-libraries.rules";

    private final Pattern fileNames;

    private RuntimeLibraries(Pattern fileNames) {
        this.fileNames = fileNames;
    }

    /** The list shipped with the agent. */
    public static RuntimeLibraries shipped() {
        try (InputStream in = RuntimeLibraries.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " is missing from the agent");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .toList());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE + ": " + e.getMessage(), e);
        }
    }

    /** One glob on a library's file name per line; blank lines and {@code #} comments are skipped. */
    static RuntimeLibraries parse(List<String> lines) {
        List<String> globs = lines.stream()
                .map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                .toList();
        return new RuntimeLibraries(FrameRules.union(globs));
    }

    /** Whether a frame's module (a library's file name) is a language runtime; false for null. */
    public boolean contains(String module) {
        return module != null && fileNames.matcher(module).matches();
    }
}
