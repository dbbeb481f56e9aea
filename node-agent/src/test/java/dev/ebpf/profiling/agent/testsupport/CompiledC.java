package dev.ebpf.profiling.agent.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Small C programs the tests build with the machine's gcc (scripts/install-deps.sh installs it). */
public final class CompiledC {

    private CompiledC() {}

    /**
     * Writes {@code source} to {@code dir/name.c}, builds it with gcc and {@code flags} into
     * {@code dir/name}, and returns the binary; fails the test when gcc does.
     */
    public static Path build(Path dir, String name, String source, String... flags)
            throws IOException, InterruptedException {
        Path file = Files.writeString(dir.resolve(name + ".c"), source);
        Path binary = dir.resolve(name);
        List<String> command = new ArrayList<>(List.of("gcc"));
        command.addAll(List.of(flags));
        command.addAll(List.of("-o", binary.toString(), file.toString()));
        assertThat(new ProcessBuilder(command).inheritIO().start().waitFor())
                .as("gcc %s", String.join(" ", flags))
                .isZero();
        return binary;
    }
}
