package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.agent.metrics.AgentMetrics;
import dev.ebpf.profiling.agent.profile.SliceResult;
import dev.ebpf.profiling.api.job.AgentJobConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintStream;
import java.time.Instant;

/**
 * A job's object-store uploads across config re-reads: the {@link SliceUploads} of the store the
 * config names, re-opened when a re-read config names another store (or none).
 */
final class JobUploads implements AutoCloseable {

    private final KubernetesClient client;
    private final String node;
    private final SliceUploads.Settings settings;
    private final AgentMetrics metrics;
    private final PrintStream log;
    private SliceUploads current;

    JobUploads(
            KubernetesClient client,
            String node,
            AgentJobConfig config,
            SliceUploads.Settings settings,
            AgentMetrics metrics,
            PrintStream log) {
        this.client = client;
        this.node = node;
        this.settings = settings;
        this.metrics = metrics;
        this.log = log;
        this.current = SliceUploads.open(client, node, config, settings, metrics, log);
    }

    /** Uploads a published slice to the store {@code config} names now (nothing when it names none). */
    void submit(AgentJobConfig config, Instant sliceStart, SliceResult slice, String resultName) {
        if (!current.sameStoreAs(config)) {
            current.close();
            log.println("object store settings changed: uploading to "
                    + (config.objectStore() == null
                            ? "none"
                            : config.objectStore().endpoint() + " bucket "
                                    + config.objectStore().bucket())
                    + " from now on");
            current = SliceUploads.open(client, node, config, settings, metrics, log);
        }
        current.submit(config, sliceStart, slice, resultName);
    }

    @Override
    public void close() {
        current.close();
    }
}
