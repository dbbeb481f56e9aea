package dev.ebpf.profiling.operator;

import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import dev.ebpf.profiling.api.profile.ApplicationUsage;
import dev.ebpf.profiling.api.profile.Frame;
import dev.ebpf.profiling.api.profile.Hotspot;
import dev.ebpf.profiling.api.profile.Location;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.PodRef;
import dev.ebpf.profiling.operator.status.Conditions;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.javaoperatorsdk.operator.Operator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Prints the operator's figures for docs/benchmarks.md: merging 100 nodes x 10 applications x 50
 * hotspots; reconcile latency from apply to Scheduled on the Fabric8 mock server (CRUD mode); the
 * process's RSS with 200 ProfilingJobs. Run:
 * {@code mvn -B -q -pl operator test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.ebpf.profiling.operator.OperatorBenchmark}
 */
public final class OperatorBenchmark {

    private OperatorBenchmark() {}

    public static void main(String[] args) throws Exception {
        merge();
        KubernetesMockServer server = new KubernetesMockServer(
                new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        KubernetesClient client = server.createClient();
        Operator operator = new Operator(o -> o.withKubernetesClient(client).withUseSSAToPatchPrimaryResource(false));
        operator.register(new ProfilingJobReconciler(client, TestConfig.defaults()));
        operator.start();
        try {
            reconcileLatencyAndRss(client);
        } finally {
            operator.stop();
            server.destroy();
        }
        System.exit(0);
    }

    private static void merge() {
        List<NodeResult> results = new ArrayList<>();
        Instant start = Instant.parse("2026-01-01T12:00:00Z");
        for (int n = 0; n < 100; n++) {
            List<ApplicationUsage> apps = new ArrayList<>();
            for (int a = 0; a < 10; a++) {
                PodRef pod = new PodRef("uid-" + n + "-" + a, "c", "ns", "pod-" + n + "-" + a, "main");
                apps.add(new ApplicationUsage(a + 1, "main", "cg", pod, List.of(1), 1000 - a * 50L, 10.0));
            }
            List<Hotspot> hotspots = new ArrayList<>();
            for (int h = 0; h < 50; h++) {
                hotspots.add(new Hotspot(
                        "main",
                        100 - h,
                        1,
                        1,
                        Location.KERNEL,
                        "network",
                        List.of(new Frame("fn_" + h, "vmlinux", Frame.Origin.KERNEL))));
            }
            var p = Cluster.profile("node-" + n, start, apps);
            var profile = new NodeProfile(
                    p.node(),
                    p.event(),
                    p.frequencyHz(),
                    p.cpus(),
                    p.start(),
                    p.end(),
                    p.durationSeconds(),
                    p.totalSamples(),
                    p.lostSamples(),
                    p.lost(),
                    apps,
                    hotspots,
                    p.locationSplit(),
                    null);
            results.add(new NodeResult("node-" + n, "cm-" + n, "s", profile));
        }
        for (int i = 0; i < 300; i++) {
            ProfileMerger.merge(results, 10);
        }
        int runs = 1000;
        long began = System.nanoTime();
        for (int i = 0; i < runs; i++) {
            ProfileMerger.merge(results, 10);
        }
        double micros = (System.nanoTime() - began) / 1000.0 / runs;
        System.out.printf(
                "merge 100 nodes x 10 applications x 50 hotspots: %.0f us per slice (mean of %d)%n", micros, runs);
    }

    private static void reconcileLatencyAndRss(KubernetesClient client) throws Exception {
        Cluster cluster = new Cluster(client);
        for (int n = 0; n < 10; n++) {
            cluster.node("node-" + n, 4);
        }
        int jobs = 200;
        for (int j = 0; j < jobs; j++) {
            cluster.pod("bench", "pod-" + j, Map.of("app", "app-" + j), "node-" + (j % 10));
        }
        long[] latencies = new long[jobs];
        for (int j = 0; j < jobs; j++) {
            long began = System.nanoTime();
            cluster.job("bench", "job-" + j, Cluster.spec(Mode.GENERAL, Map.of("app", "app-" + j)));
            while (!scheduled(cluster.get("bench", "job-" + j))) {
                Thread.sleep(1);
            }
            latencies[j] = System.nanoTime() - began;
        }
        Arrays.sort(latencies);
        System.out.printf(
                "reconcile latency apply -> Scheduled (mock server, %d jobs, one at a time): "
                        + "median %.1f ms, p95 %.1f ms, max %.1f ms%n",
                jobs, latencies[jobs / 2] / 1e6, latencies[jobs * 95 / 100] / 1e6, latencies[jobs - 1] / 1e6);
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        Runtime rt = Runtime.getRuntime();
        System.out.printf(
                "with %d ProfilingJobs (%d labelled nodes): process RSS %d MiB, heap used after GC %d MiB "
                        + "(one JVM holding the operator and the mock API server with all objects)%n",
                jobs, Agents.labelledNodes(client).size(), rssKib() / 1024, (rt.totalMemory() - rt.freeMemory()) >> 20);
    }

    private static boolean scheduled(ProfilingJob job) {
        return job != null
                && job.getStatus() != null
                && Conditions.isTrue(job.getStatus().conditions, ProfilingJobStatus.SCHEDULED);
    }

    private static long rssKib() throws java.io.IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("VmRSS:"))
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
                .findFirst()
                .orElse(-1L);
    }
}
