package dev.ebpf.profiling.operator;

import io.fabric8.kubernetes.api.model.ConfigMap;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** Reads gzipped folded stacks back from a result ConfigMap. */
final class Folded {

    private Folded() {}

    static List<String> lines(ConfigMap configMap, String key) {
        String base64 = configMap.getBinaryData().get(key);
        try (var in =
                new GZIPInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(base64)))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
