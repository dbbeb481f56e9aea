package dev.ebpf.profiling.agent.hotspot;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/** A test resource of cases: one per line, fields separated by '|', '#' lines are comments. */
final class CaseFile {

    private CaseFile() {}

    static List<String[]> read(String resource, int fields) throws IOException {
        try (InputStream in = CaseFile.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + resource + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .filter(line -> !line.isBlank() && !line.startsWith("#"))
                    .map(line -> Arrays.stream(line.split("\\|", fields))
                            .map(String::strip)
                            .toArray(String[]::new))
                    .toList();
        }
    }
}
