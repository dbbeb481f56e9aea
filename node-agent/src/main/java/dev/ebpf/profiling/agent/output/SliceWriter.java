package dev.ebpf.profiling.agent.output;

import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.ProfileJson;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes each slice as it completes, to a file or to stdout. JSON is one document per line (JSON
 * Lines), so a multi-slice run stays easy to read with {@code jq} or line by line.
 */
public final class SliceWriter implements AutoCloseable {

    private final OutputFormat format;
    private final PrintStream target;
    private final boolean ownsTarget;

    private SliceWriter(OutputFormat format, PrintStream target, boolean ownsTarget) {
        this.format = format;
        this.target = target;
        this.ownsTarget = ownsTarget;
    }

    /** Opens {@code file} (replacing it) or, when null, writes to {@code stdout}. */
    public static SliceWriter open(OutputFormat format, Path file, PrintStream stdout) throws IOException {
        if (file == null) {
            return new SliceWriter(format, stdout, false);
        }
        OutputStream stream = Files.newOutputStream(file);
        return new SliceWriter(format, new PrintStream(stream, true, StandardCharsets.UTF_8), true);
    }

    public void write(NodeProfile profile) {
        switch (format) {
            case TABLE -> target.println(TableFormatter.format(profile));
            case JSON -> {
                try {
                    target.println(ProfileJson.mapper().writeValueAsString(profile));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        target.flush();
    }

    @Override
    public void close() {
        if (ownsTarget) {
            target.close();
        }
    }
}
