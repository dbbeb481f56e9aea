package dev.ebpf.profiling.operator.stores;

import dev.ebpf.profiling.api.ingest.NodeUploadReport;
import dev.ebpf.profiling.api.job.ObjectStoreSpec;
import dev.ebpf.profiling.api.job.ObjectStoreStatus;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.profile.ProfileJson;
import dev.ebpf.profiling.api.store.ObjectKeys;
import dev.ebpf.profiling.api.store.ObjectStoreDefinition;
import dev.ebpf.profiling.api.store.ObjectStoreDefinitions;
import dev.ebpf.profiling.api.store.ObjectStores;
import dev.ebpf.profiling.api.store.StoreException;
import dev.ebpf.profiling.api.store.StoreFailure;
import dev.ebpf.profiling.api.store.StoredObject;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The operator's side of the admin's object stores: it uploads each merged slice of a job whose
 * {@code spec.output.objectStore} names a store ({@code {prefix}/merged/{namespace}/{job}/{slice}.json}
 * and {@code .folded.gz}, see {@link ObjectKeys}), on a thread of its own so a slow store never holds
 * up a reconcile; it keeps the nodes' upload reports ({@link UploadLedger}); and it builds the job's
 * bounded {@code status.objectStore} from both.
 */
public final class ObjectStoreUploads implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ObjectStoreUploads.class);

    private final ObjectStores stores;
    private final ExecutorService uploader;
    private final UploadLedger ledger = new UploadLedger();
    private volatile Consumer<ResourceID> onChange = id -> {};

    public ObjectStoreUploads(ObjectStores stores, ExecutorService uploader) {
        this.stores = stores;
        this.uploader = uploader;
    }

    /** No stores: nothing is uploaded, every job naming a store is refused. */
    public static ObjectStoreUploads none() {
        return new ObjectStoreUploads(
                new ObjectStores(ObjectStoreDefinitions.none(), Path.of("/nonexistent")),
                Executors.newSingleThreadExecutor(
                        Thread.ofPlatform().daemon().name("merged-upload").factory()));
    }

    public static ObjectStoreUploads of(ObjectStoreDefinitions definitions, Path credentials) {
        return new ObjectStoreUploads(
                new ObjectStores(definitions, credentials),
                Executors.newSingleThreadExecutor(
                        Thread.ofPlatform().daemon().name("merged-upload").factory()));
    }

    public ObjectStoreDefinitions definitions() {
        return stores.definitions();
    }

    /** Where a finished merged upload is announced (the reconciler's event source): the status links it. */
    public void onChange(Consumer<ResourceID> listener) {
        this.onChange = listener;
    }

    /** Whether the job names one of the admin's stores: its merged slices are uploaded there. */
    public boolean storesMerged(ProfilingJob job) {
        return storeOf(job).isPresent();
    }

    /**
     * Queues the upload of a merged slice: the document and the merged folded stacks, not cut to
     * the result ConfigMap's 1 MiB. Nothing for a job without a store or with an unknown one (the
     * reconciler refuses that job).
     *
     * @param document the merged slice as JSON-able value
     * @param onCpu    the merged on-CPU folded stacks, gzipped
     * @param offCpu   the merged off-CPU folded stacks, gzipped; null when the job has none
     */
    public void uploadMerged(ProfilingJob job, String slice, Object document, byte[] onCpu, byte[] offCpu) {
        Optional<ObjectStoreDefinition> store = storeOf(job);
        if (store.isEmpty()) {
            return;
        }
        ObjectStoreSpec choice = job.getSpec().output.objectStore;
        String uid = job.getMetadata().getUid();
        ResourceID id = ResourceID.fromResource(job);
        String base = ObjectKeys.merged(
                ObjectKeys.prefix(store.get(), choice.prefix),
                job.getMetadata().getNamespace(),
                job.getMetadata().getName(),
                slice);
        List<StoredObject> objects = new ArrayList<>(3);
        objects.add(new StoredObject(base + ObjectKeys.JSON, "application/json", json(document)));
        objects.add(new StoredObject(base + ObjectKeys.FOLDED, "application/gzip", onCpu));
        if (offCpu != null) {
            objects.add(new StoredObject(base + ObjectKeys.OFF_CPU_FOLDED, "application/gzip", offCpu));
        }
        uploader.execute(() -> {
            try {
                ledger.merged(uid, slice, stores.upload(store.get().name(), objects), null);
            } catch (StoreException e) {
                LOG.warnf("merged slice %s of %s not uploaded: %s", slice, id, e.getMessage());
                ledger.merged(uid, slice, List.of(), e.failure().reason() + ": " + e.getMessage());
            } catch (RuntimeException e) {
                LOG.warnf(e, "merged slice %s of %s not uploaded", slice, id);
                ledger.merged(uid, slice, List.of(), StoreFailure.UPLOAD_FAILED.reason() + ": " + e);
            }
            onChange.accept(id);
        });
    }

    /** A node's report of its upload (checked by the ingest endpoint). */
    public void nodeReport(ProfilingJob job, NodeUploadReport report) {
        ledger.node(job.getMetadata().getUid(), report);
    }

    /** The job's {@code status.objectStore}: null without a (known) store. */
    public ObjectStoreStatus status(ProfilingJob job) {
        Optional<ObjectStoreDefinition> store = storeOf(job);
        if (store.isEmpty()) {
            return null;
        }
        ObjectStoreStatus status =
                Optional.ofNullable(ledger.status(job.getMetadata().getUid())).orElseGet(ObjectStoreStatus::new);
        status.store = store.get().name();
        String prefix = ObjectKeys.prefix(store.get(), job.getSpec().output.objectStore.prefix);
        status.location = "s3://" + store.get().bucket() + "/" + (prefix.isEmpty() ? "" : prefix + "/");
        return status;
    }

    private Optional<ObjectStoreDefinition> storeOf(ProfilingJob job) {
        ObjectStoreSpec choice =
                job.getSpec() == null || job.getSpec().output == null ? null : job.getSpec().output.objectStore;
        return choice == null ? Optional.empty() : stores.definitions().find(choice.name);
    }

    private static byte[] json(Object document) {
        try {
            return ProfileJson.mapper().writeValueAsBytes(document);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for the queued uploads (tests); false if they did not end in time. */
    public boolean drain(java.time.Duration timeout) throws InterruptedException {
        var done = new java.util.concurrent.CountDownLatch(1);
        uploader.execute(done::countDown);
        return done.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        uploader.shutdownNow();
        stores.close();
    }

    /** For callers that pass a document as a map. */
    public static Map<String, Object> document(Object slice, Object nodes) {
        return Map.of("slice", slice, "nodes", nodes);
    }
}
