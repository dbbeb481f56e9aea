package dev.ebpf.profiling.agent.sink;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Writes each node's slice to the object store through a bounded local spool: every slice is
 * spooled first, then the spool is uploaded oldest first by the uploader. When the store is down,
 * refuses the credentials or lacks the bucket, the slices wait (in order) and {@link #status()}
 * says why in one line; the next drain after the cause is gone uploads them.
 *
 * <p>The slice loop calls {@link #submit}, which only writes the spool and asks the uploader to
 * drain, so a slow or unreachable store never holds up profiling. Something periodic calls
 * {@link #requestDrain} so a recovered store is noticed without new slices. The uploader is an
 * {@link Executor}: one background thread in the agent; the caller's own thread in tests
 * ({@code Runnable::run}), which makes {@link #submit} return after the upload.
 */
public final class ObjectStoreSink implements AutoCloseable {

    private record Outcome(SinkState state, String message, long uploadedSlices, List<String> lastUploadedUris) {}

    /** Told about each slice once all its objects are in the store (on the uploader's thread). */
    @FunctionalInterface
    public interface UploadListener {
        UploadListener NONE = (slicePath, uris) -> {};

        void uploaded(String slicePath, List<String> uris);
    }

    private final SliceSpool spool;
    private final Executor uploader;
    private final UploadListener listener;
    /** Replaced together with {@link #store} under {@link #drainLock} when the credentials change. */
    private volatile ObjectStoreConfig config;

    private S3ObjectStore store;
    private final AtomicBoolean drainQueued = new AtomicBoolean();
    private final Object drainLock = new Object();
    private volatile Outcome outcome = new Outcome(SinkState.READY, "", 0, List.of());

    public ObjectStoreSink(ObjectStoreConfig config, SliceSpool spool, Executor uploader) {
        this(config, spool, uploader, UploadListener.NONE);
    }

    public ObjectStoreSink(ObjectStoreConfig config, SliceSpool spool, Executor uploader, UploadListener listener) {
        this.config = config;
        this.store = new S3ObjectStore(config);
        this.spool = spool;
        this.uploader = uploader;
        this.listener = listener;
    }

    /**
     * Uses another key pair from the next upload on (a fixed or rotated Secret); the slices waiting
     * in the spool go up with it. Equal credentials change nothing; returns whether they changed.
     */
    public boolean useCredentials(StoreCredentials credentials) {
        synchronized (drainLock) {
            if (credentials.equals(config.credentials())) {
                return false;
            }
            S3ObjectStore old = store;
            config = config.withCredentials(credentials);
            store = new S3ObjectStore(config);
            old.close();
            return true;
        }
    }

    /** Spools the slice and asks the uploader to drain. Never loses the slice silently. */
    public SinkStatus submit(SliceObjects slice) {
        spool.add(slice.slice().path(), slice.toObjects(config.prefix()));
        requestDrain();
        return status();
    }

    /** Asks the uploader to drain; a request while one is already queued adds nothing. */
    public void requestDrain() {
        if (drainQueued.compareAndSet(false, true)) {
            uploader.execute(() -> {
                drainQueued.set(false);
                drain();
            });
        }
    }

    /**
     * Uploads waiting slices oldest first on the calling thread, stopping at the first failure so
     * the order holds. One drain runs at a time.
     */
    public SinkStatus drain() {
        synchronized (drainLock) {
            while (true) {
                Optional<SpooledSlice> next = spool.nextToUpload();
                if (next.isEmpty()) {
                    break;
                }
                SpooledSlice slice = next.get();
                List<String> uris = new ArrayList<>(slice.objects().size());
                try {
                    for (StoredObject object : slice.objects()) {
                        store.put(object);
                        uris.add(store.uriOf(object.key()));
                    }
                } catch (StoreException e) {
                    // The slice stays in the spool whole; objects already put are put again later,
                    // which is harmless (same key, same bytes).
                    spool.uploadFailed(slice);
                    outcome = new Outcome(
                            e.state(), e.getMessage(), outcome.uploadedSlices(), outcome.lastUploadedUris());
                    return status();
                }
                spool.uploaded(slice);
                listener.uploaded(slice.slicePath(), List.copyOf(uris));
                outcome = new Outcome(SinkState.READY, "", outcome.uploadedSlices() + 1, List.copyOf(uris));
            }
        }
        return status();
    }

    public SinkStatus status() {
        Outcome now = outcome;
        return new SinkStatus(
                now.state(),
                now.message(),
                spool.pendingSlices(),
                spool.pendingBytes(),
                now.uploadedSlices(),
                spool.dropped(),
                now.lastUploadedUris());
    }

    @Override
    public void close() {
        synchronized (drainLock) {
            store.close();
        }
    }
}
