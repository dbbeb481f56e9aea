package dev.ebpf.profiling.api.flamegraph;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Load time of the interactive flame graph page for a slice of 10,000 distinct stacks, in headless
 * Chromium: from navigation start until the graph is drawn (the page's data-ready-ms). Run:
 * {@code mvn -pl api test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.ebpf.profiling.api.flamegraph.FlameGraphPageBenchmark [-Dexec.args="STACKS RUNS"]}
 */
public final class FlameGraphPageBenchmark {

    private static final int DEFAULT_STACKS = 10_000;
    private static final int DEFAULT_RUNS = 7;
    private static final int FUNCTIONS = 3_000;
    private static final int CALLEES = 4;
    private static final int JAVA_ROUNDS = 5;

    private FlameGraphPageBenchmark() {}

    public static void main(String[] args) throws Exception {
        int stacks = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_STACKS;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : DEFAULT_RUNS;
        String folded = folded(stacks, new Random(7));

        // Java side, cold (first call in a fresh JVM, as a one-shot CLI run pays) and warm.
        FlameNode root = null;
        String page = null;
        double[] parseMs = new double[JAVA_ROUNDS];
        double[] renderMs = new double[JAVA_ROUNDS];
        // CPU time of this thread, not wall time: the machine is shared, and waiting is not cost.
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (int round = 0; round < JAVA_ROUNDS; round++) {
            long start = threads.getCurrentThreadCpuTime();
            root = FoldedStacks.parse(folded);
            long parsed = threads.getCurrentThreadCpuTime();
            page = HtmlFlameGraph.render(root, FlameGraphOptions.of(FlameGraphKind.ON_CPU));
            parseMs[round] = (parsed - start) / 1e6;
            renderMs[round] = (threads.getCurrentThreadCpuTime() - parsed) / 1e6;
        }

        Files.createDirectories(HeadlessChromium.WORK);
        Path file = HeadlessChromium.WORK.resolve("benchmark-" + stacks + "-stacks.html");
        Files.writeString(file, page);
        JsonNode result = HeadlessChromium.run("bench", file.toAbsolutePath().toString(), Integer.toString(runs));

        List<Double> ready = new ArrayList<>();
        result.get("readyMs").forEach(v -> ready.add(v.asDouble()));
        List<Double> sorted = ready.stream().sorted().toList();
        System.out.printf(
                Locale.ROOT,
                "%,d stacks, %,d tree nodes, page %,d bytes; load average %s%n",
                stacks,
                countNodes(root),
                page.length(),
                Files.readString(Path.of("/proc/loadavg")).strip());
        System.out.printf(
                Locale.ROOT,
                "Java CPU time: parse %.0f ms + render %.0f ms cold; %.0f ms + %.0f ms warm%n",
                parseMs[0],
                renderMs[0],
                parseMs[JAVA_ROUNDS - 1],
                renderMs[JAVA_ROUNDS - 1]);
        System.out.printf(
                Locale.ROOT,
                "Chromium load to drawn (%d runs): median %.0f ms, min %.0f ms, max %.0f ms;"
                        + " %d frames drawn; all runs %s%n",
                runs,
                sorted.get(sorted.size() / 2),
                sorted.getFirst(),
                sorted.getLast(),
                result.get("frames").asInt(),
                ready);
    }

    /** Distinct stacks from random walks down a fixed call graph, as real stacks share prefixes. */
    static String folded(int count, Random random) {
        java.util.Set<String> seen = new java.util.LinkedHashSet<>();
        StringBuilder text = new StringBuilder();
        while (seen.size() < count) {
            int app = random.nextInt(30);
            StringBuilder stack = new StringBuilder("app").append(app).append(";main");
            int function = app * 101 % FUNCTIONS;
            int depth = 4 + random.nextInt(30);
            for (int d = 0; d < depth; d++) {
                function = (function * 7 + 13 * (1 + random.nextInt(CALLEES))) % FUNCTIONS;
                stack.append(";fn_").append(function).append(d % 5 == 4 ? "_[k]" : "");
            }
            if (seen.add(stack.toString())) {
                text.append(stack).append(' ').append(1 + random.nextInt(200)).append('\n');
            }
        }
        return text.toString();
    }

    private static long countNodes(FlameNode node) {
        long count = 1;
        for (FlameNode child : node.children()) {
            count += countNodes(child);
        }
        return count;
    }
}
