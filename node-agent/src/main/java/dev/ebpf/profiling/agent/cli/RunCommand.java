package dev.ebpf.profiling.agent.cli;

import dev.ebpf.profiling.agent.bpf.BpfException;
import dev.ebpf.profiling.agent.cgroup.CgroupMount;
import dev.ebpf.profiling.agent.cluster.ClusterRun;
import dev.ebpf.profiling.agent.cluster.InformerJobSource;
import dev.ebpf.profiling.agent.cluster.NodePolicy;
import dev.ebpf.profiling.agent.ingest.IngestClient;
import dev.ebpf.profiling.agent.ingest.IngestSink;
import dev.ebpf.profiling.agent.metrics.AgentMetrics;
import dev.ebpf.profiling.agent.metrics.MetricsEndpoint;
import dev.ebpf.profiling.agent.metrics.MetricsEndpointException;
import dev.ebpf.profiling.agent.sink.StoreUploadSink;
import dev.ebpf.profiling.agent.sink.UploadJitter;
import dev.ebpf.profiling.api.ingest.IngestContract;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.SpecFormats;
import dev.ebpf.profiling.api.store.ObjectStoreContract;
import dev.ebpf.profiling.api.store.ObjectStoreDefinitions;
import dev.ebpf.profiling.api.store.ObjectStores;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code node-agent run}: the agent's cluster mode, as the operator's agent DaemonSet starts it on
 * each node. It serves every accepted ProfilingJob that targets the node and pushes each slice to
 * the operator's ingest endpoint; its node name, node-wide namespaces, rate cap and ingest URL come
 * from its environment.
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        versionProvider = AgentVersion.class,
        showDefaultValues = true,
        description = {
            "Runs as the cluster's node agent: profiles this node for every ProfilingJob the operator"
                    + " accepted and pushes each slice to the operator. The operator's DaemonSet starts it;"
                    + " run it by hand only to debug.",
            "Environment: " + AgentContract.ENV_NODE_NAME + ", " + IngestContract.ENV_INGEST_URL + ", "
                    + IngestContract.ENV_NODE_WIDE_NAMESPACES + ", " + IngestContract.ENV_MAX_FREQUENCY_HZ + ", "
                    + ObjectStoreContract.ENV_OBJECT_STORES + ", " + ObjectStoreContract.ENV_UPLOAD_JITTER + ".",
            "Needs root (or CAP_BPF, CAP_PERFMON, CAP_SYS_PTRACE and CAP_SYSLOG)."
        })
final class RunCommand implements Callable<Integer> {

    @Option(
            names = "--node",
            paramLabel = "NAME",
            description = "This node's name (default: $" + AgentContract.ENV_NODE_NAME + ").")
    String node = System.getenv(AgentContract.ENV_NODE_NAME);

    @Option(
            names = "--metrics-port",
            paramLabel = "PORT",
            description = "Port of the Prometheus /metrics endpoint, 0 for none (default: $"
                    + AgentContract.ENV_METRICS_PORT + ", else 0).")
    String metricsPort = System.getenv().getOrDefault(AgentContract.ENV_METRICS_PORT, "0");

    @Option(
            names = "--ingest-url",
            paramLabel = "URL",
            description = "The operator's ingest endpoint (default: $" + IngestContract.ENV_INGEST_URL + ").")
    String ingestUrl = System.getenv(IngestContract.ENV_INGEST_URL);

    @Option(
            names = "--credentials-dir",
            paramLabel = "DIR",
            description = "Where the projected token and the ingest CA are mounted.")
    Path credentialsDir = Path.of(IngestContract.TOKEN_MOUNT_PATH);

    @Option(
            names = "--object-stores",
            paramLabel = "JSON",
            description = "The admin's object stores, a JSON array (default: $" + ObjectStoreContract.ENV_OBJECT_STORES
                    + ", else none).")
    String objectStores = System.getenv(ObjectStoreContract.ENV_OBJECT_STORES);

    @Option(
            names = "--object-store-credentials",
            paramLabel = "DIR",
            description = "Where each store's credentials Secret is mounted, one directory per store.")
    Path objectStoreCredentials = Path.of(ObjectStoreContract.CREDENTIALS_ROOT);

    @Option(
            names = "--upload-jitter",
            paramLabel = "DURATION",
            description = "Longest random delay after a slice's end before its upload (default: $"
                    + ObjectStoreContract.ENV_UPLOAD_JITTER + ", else " + DEFAULT_UPLOAD_JITTER + ").")
    String uploadJitter = System.getenv().getOrDefault(ObjectStoreContract.ENV_UPLOAD_JITTER, DEFAULT_UPLOAD_JITTER);

    @Option(
            names = "--no-pod-field-selector",
            description = "Watch every pod and keep this node's in the agent, for API servers without the"
                    + " spec.nodeName field selector (the Fabric8 mock server the tests run on).")
    boolean noPodFieldSelector;

    static final String DEFAULT_UPLOAD_JITTER = "30s";

    private final PrintStream out;

    /** @param out where the agent logs, one line per slice */
    RunCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        if (node == null || node.isBlank()) {
            throw new UsageException("the node's name is unknown: set " + AgentContract.ENV_NODE_NAME + " or --node");
        }
        if (ingestUrl == null || ingestUrl.isBlank()) {
            throw new UsageException(
                    "the operator's ingest URL is unknown: set " + IngestContract.ENV_INGEST_URL + " or --ingest-url");
        }
        int port = port(metricsPort);
        NodePolicy policy;
        ObjectStoreDefinitions storeDefinitions;
        Duration jitter;
        try {
            policy = NodePolicy.fromEnvironment(System.getenv());
            storeDefinitions = ObjectStoreDefinitions.parse(objectStores);
            jitter = SpecFormats.parseDuration("upload jitter", uploadJitter);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        Privileges.requireBpfPrivileges(Privileges.SELF_STATUS);
        AgentMetrics metrics = new AgentMetrics(node);
        out.printf(
                "node-agent run on %s: node-wide namespaces %s, at most %d Hz, reports to %s%n",
                node, policy.nodeWideNamespaces(), policy.maxFrequencyHz(), ingestUrl);
        // The endpoint's HTTP thread is not a daemon: it must be closed for the agent to exit.
        try (MetricsEndpoint _ = MetricsEndpoint.serve(port, metrics).orElse(null);
                IngestClient ingest = new IngestClient(URI.create(ingestUrl), credentialsDir, metrics, out);
                KubernetesClient client = new KubernetesClientBuilder().build();
                InformerJobSource source = InformerJobSource.start(client, node, !noPodFieldSelector);
                ObjectStores stores = new ObjectStores(storeDefinitions, objectStoreCredentials)) {
            ingest.start();
            IngestSink sink = new IngestSink(node, ingest, out);
            ScheduledExecutorService uploader = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().daemon().name("object-store-upload").factory());
            StoreUploadSink uploads = new StoreUploadSink(
                    node,
                    sink,
                    stores,
                    new UploadJitter(jitter),
                    uploader,
                    ingest::send,
                    metrics,
                    out,
                    Clock.systemUTC());
            try (ClusterRun run =
                    new ClusterRun(node, source, policy, CgroupMount.findUnified(), uploads, sink, metrics, out)) {
                Thread main = Thread.currentThread();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    run.stop();
                    try {
                        main.join(5_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
                run.run();
            } finally {
                uploader.shutdownNow();
            }
        } catch (MetricsEndpointException e) {
            throw new BpfException(e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return Main.EXIT_OK;
    }

    private static int port(String text) {
        try {
            int port = Integer.parseInt(text.strip());
            if (port < 0 || port > 65_535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new UsageException("--metrics-port must be a port from 0 (off) to 65535, not '" + text + "'");
        }
    }
}
