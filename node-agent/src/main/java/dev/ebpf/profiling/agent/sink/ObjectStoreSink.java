package dev.ebpf.profiling.agent.sink;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes each node's slice to the object store through a bounded local spool: every slice is
 * spooled first, then the spool is uploaded oldest first. When the store is down, refuses the
 * credentials or lacks the bucket, the slices wait (in order) and {@link #status()} says why in
 * one line; the next {@link #drain()} after the cause is gone uploads them.
 *
 * <p>Callers: the slice loop calls {@link #submit}; something periodic (every slice, or a timer)
 * calls {@link #drain} so a recovered store is noticed without new slices. All methods are
 * synchronised: uploads are sequential by design, to keep the order.
 */
public final class ObjectStoreSink implements AutoCloseable {

    private final ObjectStoreConfig config;
    private final S3ObjectStore store;
    private final SliceSpool spool;
    private SinkState state = SinkState.READY;
    private String message = "";
    private long uploadedSlices;
    private List<String> lastUploadedUris = List.of();

    public ObjectStoreSink(ObjectStoreConfig config, SliceSpool spool) {
        this.config = config;
        this.store = new S3ObjectStore(config);
        this.spool = spool;
    }

    /** Spools the slice, then tries to upload everything waiting. Never loses the slice silently. */
    public synchronized SinkStatus submit(SliceObjects slice) {
        spool.add(slice.slice().path(), slice.toObjects(config.prefix()));
        return drain();
    }

    /** Uploads waiting slices oldest first, stopping at the first failure so the order holds. */
    public synchronized SinkStatus drain() {
        while (true) {
            var next = spool.oldest();
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
                state = e.state();
                message = e.getMessage();
                return status();
            }
            spool.remove(slice);
            uploadedSlices++;
            lastUploadedUris = List.copyOf(uris);
            state = SinkState.READY;
            message = "";
        }
        return status();
    }

    public synchronized SinkStatus status() {
        return new SinkStatus(state, message, spool.pendingSlices(), spool.pendingBytes(), uploadedSlices,
                spool.dropped(), lastUploadedUris);
    }

    @Override
    public synchronized void close() {
        store.close();
    }
}
