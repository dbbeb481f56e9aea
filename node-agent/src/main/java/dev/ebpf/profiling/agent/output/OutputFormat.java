package dev.ebpf.profiling.agent.output;

import dev.ebpf.profiling.agent.cli.UsageException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How the CLI prints each slice. */
public enum OutputFormat {
    TABLE,
    JSON;

    public static OutputFormat parse(String text) {
        try {
            return valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--format must be one of " + Arrays.stream(values())
                    .map(f -> f.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining("|"))
                    + ", not '" + text + "'");
        }
    }
}
