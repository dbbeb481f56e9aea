package dev.ebpf.profiling.agent.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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

    /** A function's link-time address and size in a built binary, from {@code nm -S}. */
    public static long[] functionAddressAndSize(Path binary, String function) throws IOException, InterruptedException {
        Process nm = new ProcessBuilder("nm", "-S", binary.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(nm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(nm.waitFor()).as("nm -S %s: %s", binary, output).isZero();
        for (String line : output.lines().toList()) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length == 4 && fields[3].equals(function)) {
                return new long[] {Long.parseUnsignedLong(fields[0], 16), Long.parseUnsignedLong(fields[1], 16)};
            }
        }
        throw new IllegalStateException("nm finds no " + function + " in " + binary);
    }
}
