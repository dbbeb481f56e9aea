package dev.ebpf.profiling.operator;

import dev.ebpf.profiling.api.ingest.IngestContract;
import dev.ebpf.profiling.api.ingest.NodeSliceReport;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.ProfileJson;
import dev.ebpf.profiling.operator.ingest.FakeTokenReviewer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.lang.management.ManagementFactory;
import java.net.URI;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * The cluster simulator's engine, whatever the API server (the Fabric8 mock server in
 * {@link ClusterSimulation}, the one in {@code KUBECONFIG} in {@link ClusterSimulationOnKubeconfig}):
 * registers N Nodes and a running selected pod per node and job, J jobs, an agent pod on every node,
 * then drives N simulated agents that POST each job's node slice through the operator's real ingest
 * endpoint at each slice's end, and watches the jobs to see when each slice shows in the status.
 *
 * <p>The agents build their reports during the slice (a real agent's analysis runs on its own node,
 * not on the operator's CPU) and send them at its end, spread over {@link #SPREAD_MILLIS}. The
 * status is observed through a watch, not polled: polling would load the API server (the mock
 * server scans its whole store for every GET) and delay what it measures.
 */
final class ClusterSimulator {

    /** Header on the simulator's own API requests, so that a server-side count can leave them out. */
    static final String SIMULATOR_HEADER = "X-Cluster-Simulator";
    /** Agents send their reports at the slice's end, each after a random delay below this. */
    static final int SPREAD_MILLIS = 2000;

    /** Counts the operator's API requests while slices are pushed. */
    interface RequestCounter {
        void start();

        /** Requests by "METHOD kind" since {@link #start}, or null when the server does not say. */
        Map<String, Long> stop();

        /** What the counts are, for the JSON line: where they come from, or why there are none. */
        String source();
    }

    private final KubernetesClient sim;
    private final URI ingest;
    private final RequestCounter counter;
    private final AgentTokens tokens;
    private final String agentNamespace;
    private final String agentDaemonSet;
    private final String agentServiceAccount;
    private int refusedReports;

    ClusterSimulator(KubernetesClient sim, URI operatorBase, RequestCounter counter, AgentTokens tokens) {
        this.sim = sim;
        this.ingest = operatorBase.resolve(IngestContract.SLICES_PATH);
        this.counter = counter;
        this.tokens = tokens;
        this.agentNamespace = FakeTokenReviewer.NAMESPACE;
        this.agentDaemonSet = TestConfig.defaults().agent().name();
        this.agentServiceAccount = TestConfig.defaults().agent().serviceAccount();
    }

    /** One size: returns its JSON line, appended (with the largest status as kubectl describe shows it) to the files. */
    String run(int nodes, int jobs, int slices, int sliceSeconds) throws Exception {
        List<String> nodeNames = new ArrayList<>();
        for (int n = 0; n < nodes; n++) {
            nodeNames.add(String.format("n%d-%05d", nodes, n));
        }
        ensureNamespace(agentNamespace);
        AgentTokens.ensureServiceAccount(sim, agentNamespace, agentServiceAccount);
        log("registering %d nodes and %d selected pods", nodes, nodes * jobs);
        setupParallel(
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
            ensureNamespace(ns);
            Map<String, Pod> pods = new ConcurrentHashMap<>();
            setupParallel(
                    nodeNames,
                    node -> pods.put(
                            node,
                            running(
                                    setup.pod(ns, "app-" + node, Map.of("app", "sim"), node),
                                    new PodStatusBuilder().withPhase("Running").build())));
            podsByJob.put(ns, pods);
        }
        Map<String, Instant> shown = new ConcurrentHashMap<>();
        Map<String, ProfilingJob> shownJob = new ConcurrentHashMap<>();
        Watch watch = watchSlices(shown, shownJob);
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
                    job,
                    j -> j.getStatus() != null
                            && j.getStatus().nodeCounts != null
                            && j.getStatus().nodeCounts.target == nodes
                            && "True".equals(condition(j, "Ready"))));
        }
        // What the DaemonSet controller and kubelets would do: a running agent on every labelled node.
        Map<String, Pod> agentPods = new ConcurrentHashMap<>();
        setupParallel(nodeNames, node -> {
            Pod agent = FakeDaemonSetController.runningPod(agentNamespace, agentDaemonSet, node);
            // Named by its node: the fake controller's 5 random hex digits collide among thousands of pods.
            agent.getMetadata().setName(agentDaemonSet + "-" + node);
            agent.getSpec().setServiceAccountName(agentServiceAccount); // as the DaemonSet's pod template
            agentPods.put(node, running(sim.resource(agent).create(), agent.getStatus()));
        });
        // Each agent's token, as the kubelet projects it: before the clock starts.
        Instant asked = Instant.now();
        tokens.issue(agentPods);
        log(
                "agents running, tokens (%s) in %.1f s; %d slices of %d s",
                tokens.source(), Duration.between(asked, Instant.now()).toMillis() / 1000.0, slices, sliceSeconds);

        HttpClient http = HttpClient.newBuilder()
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
        Semaphore inFlight = new Semaphore(Integer.getInteger("simulate.inFlight", 48));
        List<Double> mergedSeconds = Collections.synchronizedList(new ArrayList<>());
        long statusBytesMax = 0;
        String largestStatus = null;
        AtomicInteger refused = new AtomicInteger();
        Random random = new Random(42);
        Instant first = Instant.now().plusSeconds(2);
        counter.start();
        for (int s = 0; s < slices; s++) {
            Instant start = first.plusSeconds((long) s * sliceSeconds);
            Instant end = start.plusSeconds(sliceSeconds);
            String label = AgentContract.sliceLabel(start);
            // Each agent's reports, built during the slice as a real agent analyses it.
            Map<String, List<byte[]>> bodies = new ConcurrentHashMap<>();
            for (String node : nodeNames) {
                List<byte[]> perJob = new ArrayList<>();
                for (ProfilingJob job : accepted) {
                    Pod pod = podsByJob.get(job.getMetadata().getNamespace()).get(node);
                    perJob.add(ProfileJson.mapper().writeValueAsBytes(report(job, node, pod, start, sliceSeconds)));
                }
                bodies.put(node, perJob);
            }
            sleepUntil(end);
            ThreadCpu cpuAtSend = ThreadCpu.now(); // at the slice's end, or later when its reports were built late
            double lateSeconds =
                    Math.max(0, Duration.between(end, Instant.now()).toMillis() / 1000.0);
            Map<String, List<Instant>> acceptedAt = new ConcurrentHashMap<>();
            for (ProfilingJob job : accepted) {
                acceptedAt.put(job.getMetadata().getNamespace(), Collections.synchronizedList(new ArrayList<>()));
            }
            AtomicReference<Instant> lastSent = new AtomicReference<>(end);
            try (ExecutorService agents = Executors.newVirtualThreadPerTaskExecutor()) {
                for (String node : nodeNames) {
                    long jitter = random.nextInt(SPREAD_MILLIS);
                    var _ = agents.submit(() -> {
                        Thread.sleep(jitter);
                        List<byte[]> perJob = bodies.remove(node);
                        for (int j = 0; j < accepted.size(); j++) {
                            inFlight.acquire();
                            try {
                                lastSent.accumulateAndGet(Instant.now(), (a, b) -> a.isAfter(b) ? a : b);
                                HttpResponse<String> answer = http.send(
                                        HttpRequest.newBuilder(ingest)
                                                .header("Authorization", "Bearer " + tokens.token(node))
                                                .header("Content-Type", "application/json")
                                                .POST(HttpRequest.BodyPublishers.ofByteArray(perJob.get(j)))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString());
                                if (answer.statusCode() == 202) {
                                    acceptedAt
                                            .get(accepted.get(j).getMetadata().getNamespace())
                                            .add(Instant.now());
                                } else if (refused.incrementAndGet() <= 5) {
                                    log(
                                            "refused: %d %s",
                                            answer.statusCode(), answer.body().strip());
                                }
                            } finally {
                                inFlight.release();
                            }
                        }
                        return null;
                    });
                }
                // Each job's status shows the slice: how long after the slice's end (seen by the watch).
                for (ProfilingJob job : accepted) {
                    String key = job.getMetadata().getNamespace() + " " + label;
                    Instant seen = await(() -> shown.get(key), "slice " + key + " in the status");
                    double after = secondsAfter(end, seen);
                    mergedSeconds.add(after);
                    List<Instant> times =
                            new ArrayList<>(acceptedAt.get(job.getMetadata().getNamespace()));
                    Collections.sort(times);
                    // Where the time went, each phase after the slice's end: the agents' sends (their
                    // spread, then the simulator's limit of requests in flight), the reports'
                    // delivery and ingest, then the reconcile (its merge and result ConfigMap: the
                    // operator's debug line "closed slice") and the status write, as the watch saw it.
                    log(
                            "%s slice %s: last send +%.2f s; reports accepted +%.2f .. median +%.2f .. last +%.2f s;"
                                    + " in the status +%.2f s",
                            job.getMetadata().getNamespace(),
                            label,
                            secondsAfter(end, lastSent.get()),
                            times.isEmpty() ? Double.NaN : secondsAfter(end, times.getFirst()),
                            times.isEmpty() ? Double.NaN : secondsAfter(end, times.get(times.size() / 2)),
                            times.isEmpty() ? Double.NaN : secondsAfter(end, times.getLast()),
                            after);
                    ProfilingJob merged = shownJob.get(key);
                    String status = ProfileJson.mapper().writeValueAsString(merged.getStatus());
                    int bytes = status.getBytes(StandardCharsets.UTF_8).length;
                    if (bytes > statusBytesMax) {
                        statusBytesMax = bytes;
                        largestStatus = Describe.status(merged);
                    }
                }
            }
            ThreadCpu cpuMerged = ThreadCpu.now();
            log(
                    "slice %d/%d merged; reports sent from %.1f s after its end; from then: %s;"
                            + " the ingest endpoint's threads: %.2f ms CPU per report",
                    s + 1,
                    slices,
                    lateSeconds,
                    cpuMerged.since(cpuAtSend),
                    cpuMerged.seconds(cpuAtSend, "executor-thread") * 1000.0 / nodes / jobs);
        }
        Thread.sleep(2000); // the last slice's trailing writes (result pruning, Events)
        Map<String, Long> counts = counter.stop();
        watch.close();
        // After the last slice, not between slices: a full GC there fell in the next slice's window.
        // The heap the slices leave only grows over a run (closed slices are kept up to the retention).
        long heapMax = heapAfterGcMiB();

        List<Double> sorted = new ArrayList<>(mergedSeconds);
        Collections.sort(sorted);
        double p95 = sorted.get((int) Math.ceil(0.95 * sorted.size()) - 1);
        String requests;
        if (counts == null) {
            requests = "\"apiWritesPerSlicePerJob\":null,\"apiRequestsPerSlice\":null,\"resultObjectsPerSlicePerJob\":"
                    + String.format("%.2f", (double) resultConfigMaps(accepted) / slices / jobs);
        } else {
            log("operator requests by kind: %s", new java.util.TreeMap<>(counts));
            // A TokenReview (the real reviewer's) is a POST that stores nothing: a request, not a write.
            double writes = total(counts, "POST")
                    - counts.getOrDefault("POST tokenreviews", 0L)
                    + total(counts, "PUT")
                    + total(counts, "PATCH")
                    + total(counts, "DELETE");
            requests = String.format(
                    "\"apiWritesPerSlicePerJob\":%.2f,\"apiRequestsPerSlice\":%.1f,\"resultObjectsPerSlicePerJob\":%.2f",
                    writes / slices / jobs,
                    (double) total(counts, "") / slices,
                    (double) counts.getOrDefault("POST configmaps", 0L) / slices / jobs);
        }
        log("refused reports (late for their slice, or otherwise): %d", refused.get());
        refusedReports = refused.get();
        String line = String.format(
                "{\"nodes\":%d,\"jobs\":%d,\"slices\":%d,%s,\"statusBytesMax\":%d,\"operatorHeapMiBMax\":%d,"
                        + "\"sliceMergedSecondsP95\":%.2f,\"requestCounts\":\"%s\",\"tokens\":\"%s\"}",
                nodes, jobs, slices, requests, statusBytesMax, heapMax, p95, counter.source(), tokens.source());
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
        return line;
    }

    /** The reports the operator did not accept in the last {@link #run}. */
    int refusedReports() {
        return refusedReports;
    }

    /** Every job's status as it changes: when each (namespace, slice) first shows as the last slice. */
    private Watch watchSlices(Map<String, Instant> shown, Map<String, ProfilingJob> shownJob) {
        return sim.resources(ProfilingJob.class).inAnyNamespace().watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, ProfilingJob job) {
                if (job.getStatus() != null && job.getStatus().lastSlice != null) {
                    String key = job.getMetadata().getNamespace() + " " + job.getStatus().lastSlice.id;
                    Instant now = Instant.now();
                    if (shown.putIfAbsent(key, now) == null) {
                        shownJob.put(key, job);
                    }
                }
            }

            @Override
            public void onClose(WatcherException cause) {
                log("the job watch closed: %s", cause.getMessage());
            }
        });
    }

    private static double secondsAfter(Instant start, Instant then) {
        return Duration.between(start, then).toMillis() / 1000.0;
    }

    /** The result ConfigMaps of the jobs, as listed (when the server's request counts are not readable). */
    private long resultConfigMaps(List<ProfilingJob> jobs) {
        long n = 0;
        for (ProfilingJob job : jobs) {
            n += sim.configMaps()
                    .inNamespace(job.getMetadata().getNamespace())
                    .withLabels(AgentContract.jobLabels(job.getMetadata().getName(), AgentContract.COMPONENT_RESULT))
                    .list()
                    .getItems()
                    .size();
        }
        return n;
    }

    private void ensureNamespace(String name) {
        if (sim.namespaces().withName(name).get() == null) {
            sim.namespaces()
                    .resource(new NamespaceBuilder()
                            .withNewMetadata()
                            .withName(name)
                            .endMetadata()
                            .build())
                    .create();
        }
    }

    /**
     * A created pod with the status it was built with. A real API server ignores the status on
     * create (the mock server keeps it): it is written again through the status subresource.
     */
    private Pod running(Pod created, PodStatus wanted) {
        if (created.getStatus() != null && "Running".equals(created.getStatus().getPhase())) {
            return created;
        }
        created.setStatus(wanted);
        return sim.resource(created).updateStatus();
    }

    /** A node's slice of a job, as an agent sends it: its pod and a few host processes, 60 folded stacks. */
    private static NodeSliceReport report(ProfilingJob job, String node, Pod pod, Instant start, int sliceSeconds) {
        // The slice's own length: the operator times its lateness from the end a report gives.
        NodeProfile profile =
                Cluster.profile(node, start, sliceSeconds, List.of(Cluster.podApp(pod, 1500 + node.hashCode() % 500)));
        Map<String, Long> stacks = new LinkedHashMap<>();
        for (int i = 0; i < 50; i++) { // the application's code: the same on every node
            stacks.put("java;main;Server.handle;Handler" + i + ".serve;Codec.encode" + (i % 7), 20L + i);
        }
        for (int i = 0; i < 10; i++) { // and what differs from node to node
            stacks.put("java;main;Gc.worker" + i + ";" + node + "_[k]", 5L);
        }
        return IngestEndpointTest.withStacks(Cluster.sliceReport(job, profile), stacks);
    }

    private static long total(Map<String, Long> counts, String method) {
        return counts.entrySet().stream()
                .filter(e -> e.getKey().startsWith(method))
                .mapToLong(Map.Entry::getValue)
                .sum();
    }

    private ProfilingJob awaitJob(ProfilingJob job, Predicate<ProfilingJob> done) throws InterruptedException {
        return await(
                () -> {
                    ProfilingJob now = sim.resources(ProfilingJob.class)
                            .inNamespace(job.getMetadata().getNamespace())
                            .withName(job.getMetadata().getName())
                            .get();
                    return now != null && done.test(now) ? now : null;
                },
                "job " + job.getMetadata().getNamespace() + "/"
                        + job.getMetadata().getName());
    }

    private static <T> T await(java.util.function.Supplier<T> probe, String what) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(10));
        while (Instant.now().isBefore(deadline)) {
            T value = probe.get();
            if (value != null) {
                return value;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException(what + " did not come in 10 minutes");
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

    /** Runs the step for every item, {@code simulate.setupParallel} (default 16) at once: the setup's API writes. */
    private static void setupParallel(List<String> items, BoundedParallel.Step<String> step) throws Exception {
        BoundedParallel.forEach(items, Integer.getInteger("simulate.setupParallel", 16), step);
    }

    @SuppressWarnings("AnnotateFormatMethod") // no Error Prone annotations on the test classpath
    static void log(String format, Object... args) {
        System.out.printf("[simulate %s] %s%n", Instant.now(), String.format(format, args));
    }
}
