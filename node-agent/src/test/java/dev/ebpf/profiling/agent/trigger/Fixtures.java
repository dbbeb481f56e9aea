package dev.ebpf.profiling.agent.trigger;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Copies /proc/stat fixtures over a file the metric under test reads, as the kernel would. */
final class Fixtures {

    private Fixtures() {}

    static void install(String fixture, Path target) {
        try (InputStream in = Fixtures.class.getResourceAsStream(fixture)) {
            if (in == null) {
                throw new IllegalStateException("no test fixture " + fixture);
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(String fixture) {
        try (InputStream in = Fixtures.class.getResourceAsStream(fixture)) {
            if (in == null) {
                throw new IllegalStateException("no test fixture " + fixture);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
