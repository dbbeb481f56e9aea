package dev.ebpf.profiling.operator.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.ProfilingJob;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Load time in Chromium of a flame graph page served by the operator for a slice of 10,000
 * distinct stacks (docs/benchmarks.md, "Operator web view"). Off by default; run with
 * {@code mvn -pl operator test -Dtest=WebFlameGraphBenchmark -Dweb.benchmark=true}.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@EnabledIfSystemProperty(named = "web.benchmark", matches = "true")
class WebFlameGraphBenchmark {

    private static final int STACKS = 10_000;
    private static final int RUNS = 7;
    /** Real stacks share prefixes: frames come from a fixed pool, deeper frames from a larger one. */
    private static final int FUNCTIONS = 4_000;

    private static final int APPLICATIONS = 25;
    private static final Instant SLICE = Instant.parse("2026-11-26T12:00:00Z");

    @Inject
    KubernetesClient client;

    @TestHTTPResource("/")
    URL server;

    @Test
    void flameGraphPageOfTenThousandStacks() throws Exception {
        String folded = stacks(new Random(11));
        WebCluster cluster = new WebCluster(client);
        ProfilingJob job = cluster.job("bench-ns", "big", "node-1");
        String gzipped = WebCluster.gzipBase64(folded);
        cluster.result(
                job,
                WebCluster.profile("node-1", SLICE, List.of(WebCluster.app("bench-ns", "big-0", 50))),
                folded,
                null,
                0);
        String url = server.toURI()
                .resolve("/ui/jobs/bench-ns/big/slices/" + AgentContract.sliceLabel(SLICE) + "/nodes/node-1/on-cpu")
                .toString();

        JsonNode result = WebChromium.run("bench", url, Integer.toString(RUNS));

        String report = String.format(
                Locale.ROOT,
                "%,d stacks, %,d bytes folded, %,d bytes gzipped+base64 in the ConfigMap; page %,d bytes; %d frames drawn%n"
                        + "Chromium navigation start to graph drawn (data-ready-ms), %d loads: %s (median %.0f ms)%n"
                        + "operator time to first byte (read ConfigMap, gunzip, parse, render): %s (median %.0f ms)%n"
                        + "external requests: %s; load average %s%n",
                STACKS,
                folded.length(),
                gzipped.length(),
                result.get("bytes").get(RUNS - 1).asLong(),
                result.get("frames").asInt(),
                RUNS,
                list(result.get("readyMs")),
                median(result.get("readyMs")),
                list(result.get("serverMs")),
                median(result.get("serverMs")),
                result.get("external"),
                Files.readString(java.nio.file.Path.of("/proc/loadavg")).strip());
        System.out.print(report);
        Files.createDirectories(WebChromium.WORK);
        Files.writeString(WebChromium.WORK.resolve("benchmark.txt"), report);
    }

    /** Distinct stacks: an application, main, then a walk of 4 to 40 frames, every fifth a kernel frame. */
    private static String stacks(Random random) {
        Set<String> distinct = new LinkedHashSet<>();
        StringBuilder folded = new StringBuilder();
        while (distinct.size() < STACKS) {
            StringBuilder stack = new StringBuilder("svc")
                    .append(random.nextInt(APPLICATIONS))
                    .append(";main");
            int depth = 4 + random.nextInt(37);
            for (int level = 0; level < depth; level++) {
                int pool = Math.min(FUNCTIONS, 8 << Math.min(level, 9));
                stack.append(";f").append(random.nextInt(pool)).append(level % 5 == 4 ? "_[k]" : "");
            }
            if (distinct.add(stack.toString())) {
                folded.append(stack).append(' ').append(1 + random.nextInt(300)).append('\n');
            }
        }
        return folded.toString();
    }

    private static List<Long> list(JsonNode values) {
        List<Long> out = new ArrayList<>();
        values.forEach(v -> out.add(Math.round(v.asDouble())));
        return out;
    }

    private static double median(JsonNode values) {
        List<Long> sorted = list(values).stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}
