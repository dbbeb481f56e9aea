package dev.ebpf.profiling.agent.output;

import dev.ebpf.profiling.agent.cli.UsageException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How the CLI prints each slice. */
public enum OutputFormat {
    /** The top applications and their hotspots, for people. */
    TABLE(false),
    /** The result document, one per line (JSON Lines). */
    JSON(false),
    /** {@code app;root;...;leaf count} lines, for flamegraph.pl and speedscope. */
    FOLDED(false),
    /** Gzipped profile.proto, for go tool pprof and Grafana Pyroscope: one file per slice. */
    PPROF(true),
    /** A static flame graph: one file per slice. */
    SVG(true);

    private final boolean filePerSlice;

    OutputFormat(boolean filePerSlice) {
        this.filePerSlice = filePerSlice;
    }

    /** True for formats that hold exactly one slice per file, so they need --output. */
    public boolean filePerSlice() {
        return filePerSlice;
    }

    public static OutputFormat parse(String text) {
        try {
            return valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--format must be one of "
                    + Arrays.stream(values())
                            .map(f -> f.name().toLowerCase(Locale.ROOT))
                            .collect(Collectors.joining("|"))
                    + ", not '" + text + "'");
        }
    }
}
