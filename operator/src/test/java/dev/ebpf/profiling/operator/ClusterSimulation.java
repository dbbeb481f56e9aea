package dev.ebpf.profiling.operator;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ebpf.profiling.api.ingest.IngestContract;
import dev.ebpf.profiling.api.ingest.NodeSliceReport;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.ProfileJson;
import dev.ebpf.profiling.operator.ingest.FakeTokenReviewer;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The cluster simulator behind {@code scripts/simulate-cluster.sh}: the real operator (this Quarkus
 * application: reconciler, ingest HTTP endpoint, informers) on the Fabric8 mock API server (CRUD
 * mode), N Nodes, a running selected pod per node and job, an agent pod per labelled node, and N
 * simulated agents (virtual threads of this JVM) that POST each job's node slice through the real
 * ingest endpoint at each slice's end. Tokens are reviewed by {@link FakeTokenReviewer} (the mock
 * server cannot run a TokenReview). Skipped unless {@code -Dsimulate.nodes} is set.
 *
 * <p>API requests are counted at the server: every request the mock server receives is taken from
 * its request log; the simulator's own requests (setup, polling the status) carry the header
 * {@value #SIMULATOR_HEADER} and are left out, so what is counted is the operator's.
 *
 * <p>Ends with one JSON line (also in {@code target/cluster-simulation.json}) and writes the
 * largest status seen, as {@code kubectl describe} shows it, to {@code target/cluster-simulation-status.txt}.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class ClusterSimulation {

    static final String SIMULATOR_HEADER = "X-Cluster-Simulator";

    @Inject
    KubernetesClient operatorClient;

    @KubernetesTestServer
    KubernetesServer server;

    @TestHTTPResource("/")
    URL base;

    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final AtomicBoolean measuring = new AtomicBoolean();

    @Test
    void simulate() throws Exception {
        assumeTrue(System.getProperty("simulate.nodes") != null, "run through scripts/simulate-cluster.sh");
        int jobs = Integer.getInteger("simulate.jobs", 3);
        int slices = Integer.getInteger("simulate.slices", 3);
        int sliceSeconds = Integer.getInteger("simulate.sliceSeconds", 20);
        Thread drain = Thread.ofPlatform().daemon().name("request-log").start(this::drainRequestLog);
        KubernetesClient sim = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(operatorClient.getConfiguration())
                        .withCustomHeaders(Map.of(SIMULATOR_HEADER, "1"))
                        .build())
                .build();
        // Several sizes run one after the other in one operator (--nodes 100,1000): each on nodes
        // and namespaces of its own, its jobs deleted before the next size starts.
        Files.writeString(Path.of("target/cluster-simulation.json"), "");
        Files.writeString(Path.of("target/cluster-simulation-status.txt"), "");
        for (String size : System.getProperty("simulate.nodes").split(",")) {
            run(sim, Integer.parseInt(size.strip()), jobs, slices, sliceSeconds);
        }
        drain.interrupt();
        sim.close();
    }

    /** One size: appends its JSON line and its largest status (as kubectl describe shows it) to the files. */
    private void run(KubernetesClient sim, int nodes, int jobs, int slices, int sliceSeconds) throws Exception {
        String agentNamespace = FakeTokenReviewer.NAMESPACE;
        List<String> nodeNames = new ArrayList<>();
        for (int n = 0; n < nodes; n++) {
            nodeNames.add(String.format("n%d-%05d", nodes, n));
        }
        log("registering %d nodes and %d selected pods", nodes, nodes * jobs);
        parallel(
                nodeNames,
                node -> sim.nodes()
                        .resource(new NodeBuilder()
                                .withNewMetadata()
                                .withName(node)
                                .endMetadata()
                                .withNewStatus()
                                .addToCapacity("cpu", new Quantity("8"))
                                .endStatus()
                                .build())
                        .create());
        Map<String, Map<String, Pod>> podsByJob = new LinkedHashMap<>();
        Cluster setup = new Cluster(sim);
        for (int j = 0; j < jobs; j++) {
            String ns = "sim" + nodes + "-" + j;
            Map<String, Pod> pods = new ConcurrentHashMap<>();
            parallel(nodeNames, node -> pods.put(node, setup.pod(ns, "app-" + node, Map.of("app", "sim"), node)));
            podsByJob.put(ns, pods);
        }
        List<ProfilingJob> created = new ArrayList<>();
        for (String ns : podsByJob.keySet()) {
            ProfilingJobSpec spec = Cluster.spec(Mode.GENERAL, Map.of("app", "sim"));
            spec.duration = sliceSeconds + "s";
            created.add(setup.job(ns, "sim", spec));
        }
        log("waiting for %d jobs to be accepted on %d nodes", jobs, nodes);
        List<ProfilingJob> accepted = new ArrayList<>();
        for (ProfilingJob job : created) {
            accepted.add(awaitJob(
                    sim,
                    job,
                    j -> j.getStatus() != null
                            && j.getStatus().nodeCounts != null
                            && j.getStatus().nodeCounts.target == nodes
                            && "True".equals(condition(j, "Ready"))));
        }
        // What the DaemonSet controller and kubelets would do: a running agent on every labelled node.
        parallel(
                nodeNames,
                node -> sim.resource(FakeDaemonSetController.runningPod(
                                agentNamespace, TestConfig.defaults().agent().name(), node))
                        .create());
        log("agents running; %d slices of %d s", slices, sliceSeconds);

        HttpClient http = HttpClient.newBuilder()
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
        Semaphore inFlight = new Semaphore(Integer.getInteger("simulate.inFlight", 48));
        List<Double> mergedSeconds = Collections.synchronizedList(new ArrayList<>());
        long statusBytesMax = 0;
        String largestStatus = null;
        long heapMax = 0;
        AtomicInteger refused = new AtomicInteger();
        Random random = new Random(42);
        Instant first = Instant.now().plusSeconds(2);
        counts.clear();
        measuring.set(true);
        for (int s = 0; s < slices; s++) {
            Instant start = first.plusSeconds((long) s * sliceSeconds);
            Instant end = start.plusSeconds(sliceSeconds);
            sleepUntil(end);
            String label = AgentContract.sliceLabel(start);
            // Each agent pushes its node's slice of every job at the slice's end, spread over 2 s.
            try (ExecutorService agents = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int n = 0; n < nodes; n++) {
                    String node = nodeNames.get(n);
                    long jitter = random.nextInt(2000);
                    var _ = agents.submit(() -> {
                        Thread.sleep(jitter);
                        for (ProfilingJob job : accepted) {
                            Pod pod = podsByJob
                                    .get(job.getMetadata().getNamespace())
                                    .get(node);
                            byte[] body = ProfileJson.mapper().writeValueAsBytes(report(job, node, pod, start));
                            inFlight.acquire();
                            try {
                                HttpResponse<String> answer = http.send(
                                        HttpRequest.newBuilder(URI.create(base.toString())
                                                        .resolve(IngestContract.SLICES_PATH))
                                                .header("Authorization", "Bearer " + FakeTokenReviewer.agentOn(node))
                                                .header("Content-Type", "application/json")
                                                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString());
                                if (answer.statusCode() != 202) {
                                    refused.incrementAndGet();
                                    if (refused.get() <= 5) {
                                        log(
                                                "refused: %d %s",
                                                answer.statusCode(),
                                                answer.body().strip());
                                    }
                                }
                            } finally {
                                inFlight.release();
                            }
                        }
                        return null;
                    });
                }
                // Each job's status shows the slice: how long after the slice's end.
                for (ProfilingJob job : accepted) {
                    ProfilingJob merged = awaitJob(
                            sim,
                            job,
                            j -> j.getStatus() != null
                                    && j.getStatus().lastSlice != null
                                    && label.equals(j.getStatus().lastSlice.id));
                    mergedSeconds.add(Duration.between(end, Instant.now()).toMillis() / 1000.0);
                    String status = ProfileJson.mapper().writeValueAsString(merged.getStatus());
                    int bytes = status.getBytes(StandardCharsets.UTF_8).length;
                    if (bytes > statusBytesMax) {
                        statusBytesMax = bytes;
                        largestStatus = Describe.status(merged);
                    }
                }
            }
            heapMax = Math.max(heapMax, heapAfterGcMiB());
            log("slice %d/%d merged; %d operator requests so far", s + 1, slices, total(""));
        }
        Thread.sleep(2000); // the last slice's trailing writes (result pruning, Events)
        measuring.set(false);

        double writes = total("POST") + total("PUT") + total("PATCH") + total("DELETE");
        long resultObjects =
                counts.getOrDefault("POST configmaps", new AtomicLong()).get();
        List<Double> sorted = new ArrayList<>(mergedSeconds);
        Collections.sort(sorted);
        double p95 = sorted.get((int) Math.ceil(0.95 * sorted.size()) - 1);
        String line = String.format(
                "{\"nodes\":%d,\"jobs\":%d,\"slices\":%d,\"apiWritesPerSlicePerJob\":%.2f,"
                        + "\"apiRequestsPerSlice\":%.1f,\"resultObjectsPerSlicePerJob\":%.2f,"
                        + "\"statusBytesMax\":%d,\"operatorHeapMiBMax\":%d,\"sliceMergedSecondsP95\":%.2f}",
                nodes,
                jobs,
                slices,
                writes / slices / jobs,
                (double) total("") / slices,
                (double) resultObjects / slices / jobs,
                statusBytesMax,
                heapMax,
                p95);
        log("operator requests by kind: %s", new java.util.TreeMap<>(counts));
        log("refused reports (late for their slice, or otherwise): %d", refused.get());
        System.out.println(line);
        Files.writeString(Path.of("target/cluster-simulation.json"), line + "\n", StandardOpenOption.APPEND);
        Files.writeString(
                Path.of("target/cluster-simulation-status.txt"), largestStatus + "\n", StandardOpenOption.APPEND);
        // The next size starts on a cluster without these jobs (their finalizers run first).
        for (ProfilingJob job : accepted) {
            sim.resource(job).delete();
        }
        for (ProfilingJob job : accepted) {
            Instant deadline = Instant.now().plus(Duration.ofMinutes(5));
            while (Instant.now().isBefore(deadline) && sim.resource(job).get() != null) {
                Thread.sleep(200);
            }
        }
    }

    /** A node's slice of a job, as an agent sends it: its pod and a few host processes, 60 folded stacks. */
    private static NodeSliceReport report(ProfilingJob job, String node, Pod pod, Instant start) {
        NodeProfile profile = Cluster.profile(node, start, List.of(Cluster.podApp(pod, 1500 + node.hashCode() % 500)));
        Map<String, Long> stacks = new LinkedHashMap<>();
        for (int i = 0; i < 50; i++) { // the application's code: the same on every node
            stacks.put("java;main;Server.handle;Handler" + i + ".serve;Codec.encode" + (i % 7), 20L + i);
        }
        for (int i = 0; i < 10; i++) { // and what differs from node to node
            stacks.put("java;main;Gc.worker" + i + ";" + node + "_[k]", 5L);
        }
        return IngestEndpointTest.withStacks(Cluster.sliceReport(job, profile), stacks);
    }

    /** Counts the operator's requests (those without the simulator's header) while measuring. */
    private void drainRequestLog() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                RecordedRequest request = server.getKubernetesMockServer().takeRequest(1, TimeUnit.SECONDS);
                if (request == null || request.getHeader(SIMULATOR_HEADER) != null || !measuring.get()) {
                    continue;
                }
                String kind = kind(request.getPath());
                counts.computeIfAbsent(request.getMethod() + " " + kind, k -> new AtomicLong())
                        .incrementAndGet();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The resource kind of an API path: the segment after the namespace, or the first after the version. */
    static String kind(String path) {
        String bare = path.split("\\?")[0];
        String[] parts = bare.split("/");
        for (int i = 0; i < parts.length - 1; i++) {
            if (parts[i].equals("namespaces") && i + 2 < parts.length) {
                return parts[i + 2];
            }
        }
        // /api/v1/nodes/x, /apis/group/v1/profilingjobs
        int versionAt = bare.startsWith("/api/") ? 2 : 3;
        return parts.length > versionAt + 1 ? parts[versionAt + 1] : bare;
    }

    private long total(String method) {
        return counts.entrySet().stream()
                .filter(e -> e.getKey().startsWith(method))
                .mapToLong(e -> e.getValue().get())
                .sum();
    }

    private static ProfilingJob awaitJob(
            KubernetesClient sim, ProfilingJob job, java.util.function.Predicate<ProfilingJob> done)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(10));
        while (Instant.now().isBefore(deadline)) {
            ProfilingJob now = sim.resources(ProfilingJob.class)
                    .inNamespace(job.getMetadata().getNamespace())
                    .withName(job.getMetadata().getName())
                    .get();
            if (now != null && done.test(now)) {
                return now;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("job " + job.getMetadata().getNamespace() + "/"
                + job.getMetadata().getName() + " did not get there in 10 minutes");
    }

    private static String condition(ProfilingJob job, String type) {
        return job.getStatus().conditions.stream()
                .filter(c -> type.equals(c.getType()))
                .map(c -> c.getStatus())
                .findFirst()
                .orElse(null);
    }

    private static long heapAfterGcMiB() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024 * 1024);
    }

    private static void sleepUntil(Instant when) throws InterruptedException {
        long millis = Duration.between(Instant.now(), when).toMillis();
        if (millis > 0) {
            Thread.sleep(millis);
        }
    }

    private interface Step {
        void run(String item) throws Exception;
    }

    /** Runs the step for every item, 16 at once (the setup's API writes). */
    private static void parallel(List<String> items, Step step) throws InterruptedException {
        Semaphore slots = new Semaphore(16);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (String item : items) {
                slots.acquire();
                var _ = pool.submit(() -> {
                    try {
                        step.run(item);
                    } finally {
                        slots.release();
                    }
                    return null;
                });
            }
        }
    }

    @SuppressWarnings("AnnotateFormatMethod") // no Error Prone annotations on the test classpath
    private static void log(String format, Object... args) {
        System.out.printf("[simulate %s] %s%n", Instant.now(), String.format(format, args));
    }
}
