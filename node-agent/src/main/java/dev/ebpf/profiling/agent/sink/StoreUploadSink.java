package dev.ebpf.profiling.agent.sink;

import dev.ebpf.profiling.agent.cluster.AgentJob;
import dev.ebpf.profiling.agent.cluster.JobSliceSink;
import dev.ebpf.profiling.agent.cluster.SliceWindow;
import dev.ebpf.profiling.agent.metrics.AgentMetrics;
import dev.ebpf.profiling.agent.profile.SliceResult;
import dev.ebpf.profiling.api.ingest.AgentLimitation;
import dev.ebpf.profiling.api.ingest.NodeUploadReport;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.ObjectStoreSpec;
import dev.ebpf.profiling.api.store.ObjectKeys;
import dev.ebpf.profiling.api.store.ObjectStoreContract;
import dev.ebpf.profiling.api.store.ObjectStoreDefinition;
import dev.ebpf.profiling.api.store.ObjectStores;
import dev.ebpf.profiling.api.store.StoreException;
import dev.ebpf.profiling.api.store.StoreFailure;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hands each slice on to the next sink (the operator's report) and, for a job whose
 * {@code spec.output.objectStore} names a store, schedules the node's upload of it: a random delay
 * ({@link UploadJitter}) after the slice's end, on the uploader's own thread, so the slice loop never
 * waits for the store. At most {@link #MAX_PENDING} uploads wait at once; one more is dropped and
 * counted. Each finished upload, done or failed, is reported to the operator in one
 * {@link NodeUploadReport}, and counted in the metrics.
 */
public final class StoreUploadSink implements JobSliceSink {

    /** Uploads waiting for their delay or running; a node that falls this far behind drops slices. */
    public static final int MAX_PENDING = 16;

    private final String node;
    private final JobSliceSink next;
    private final ObjectStores stores;
    private final UploadJitter jitter;
    private final ScheduledExecutorService uploader;
    private final UploadReporter reporter;
    private final AgentMetrics metrics;
    private final PrintStream log;
    private final Clock clock;
    private final AtomicInteger pending = new AtomicInteger();

    public StoreUploadSink(
            String node,
            JobSliceSink next,
            ObjectStores stores,
            UploadJitter jitter,
            ScheduledExecutorService uploader,
            UploadReporter reporter,
            AgentMetrics metrics,
            PrintStream log,
            Clock clock) {
        this.node = node;
        this.next = next;
        this.stores = stores;
        this.jitter = jitter;
        this.uploader = uploader;
        this.reporter = reporter;
        this.metrics = metrics;
        this.log = log;
        this.clock = clock;
    }

    @Override
    public void publish(
            AgentJob job,
            SliceWindow window,
            SliceResult result,
            List<SliceResult> history,
            List<AgentLimitation> limitations) {
        next.publish(job, window, result, history, limitations);
        ObjectStoreSpec choice = job.objectStore();
        if (choice == null) {
            return;
        }
        String slice = AgentContract.sliceLabel(window.start());
        Optional<ObjectStoreDefinition> store = stores.definitions().find(choice.name);
        if (store.isEmpty()) {
            // The operator refuses such a job; an agent whose configuration is older says so once per slice.
            failed(
                    job,
                    slice,
                    "ObjectStoreUnknown",
                    "no object store named '" + choice.name + "' in this agent's configuration (known: "
                            + stores.definitions().names() + ")");
            return;
        }
        if (pending.incrementAndGet() > MAX_PENDING) {
            pending.decrementAndGet();
            metrics.uploadsDropped(1);
            failed(job, slice, "UploadQueueFull", MAX_PENDING + " uploads of this node are still waiting");
            return;
        }
        metrics.uploadsPending(pending.get());
        // Jitter from the slice's end, not from now: a slow analysis must not widen the window.
        Duration sinceEnd = Duration.between(window.end(), clock.instant());
        Duration delay = jitter.next().minus(sinceEnd.isNegative() ? Duration.ZERO : sinceEnd);
        // The upload reports its own failures (failed(...)); nothing waits on the future.
        Future<?> _ = uploader.schedule(
                () -> upload(job, store.get(), choice, slice, window, result),
                Math.max(0, delay.toMillis()),
                TimeUnit.MILLISECONDS);
    }

    private void upload(
            AgentJob job,
            ObjectStoreDefinition store,
            ObjectStoreSpec choice,
            String slice,
            SliceWindow window,
            SliceResult result) {
        try {
            String key = ObjectKeys.node(
                    ObjectKeys.prefix(store, choice.prefix),
                    job.key().namespace(),
                    job.key().name(),
                    slice,
                    node);
            List<String> uris = stores.upload(store.name(), NodeObjects.of(key, result, window.start(), window.end()));
            metrics.uploaded(ObjectStoreContract.UPLOADED);
            reporter.report(
                    new NodeUploadReport(NodeUploadReport.SCHEMA_VERSION, job.key(), node, slice, uris, null, null));
        } catch (StoreException e) {
            failed(job, slice, e.failure().reason(), e.getMessage());
        } catch (RuntimeException e) {
            failed(job, slice, StoreFailure.UPLOAD_FAILED.reason(), String.valueOf(e));
        } finally {
            metrics.uploadsPending(pending.decrementAndGet());
        }
    }

    private void failed(AgentJob job, String slice, String reason, String message) {
        metrics.uploaded(reason);
        log.println("upload of " + job.displayName() + " slice " + slice + " failed: " + reason + ": " + message);
        reporter.report(new NodeUploadReport(
                NodeUploadReport.SCHEMA_VERSION, job.key(), node, slice, List.of(), reason, message));
    }
}
