package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.agent.metrics.AgentMetrics;
import dev.ebpf.profiling.agent.output.folded.FoldedStacks;
import dev.ebpf.profiling.agent.output.pprof.PprofSlice;
import dev.ebpf.profiling.agent.output.pprof.PprofWriter;
import dev.ebpf.profiling.agent.profile.SliceResult;
import dev.ebpf.profiling.agent.sink.CredentialFiles;
import dev.ebpf.profiling.agent.sink.ObjectStoreConfig;
import dev.ebpf.profiling.agent.sink.ObjectStoreSink;
import dev.ebpf.profiling.agent.sink.SinkState;
import dev.ebpf.profiling.agent.sink.SinkStatus;
import dev.ebpf.profiling.agent.sink.SliceKey;
import dev.ebpf.profiling.agent.sink.SliceObjects;
import dev.ebpf.profiling.agent.sink.SliceSpool;
import dev.ebpf.profiling.agent.sink.SpoolBounds;
import dev.ebpf.profiling.agent.sink.StoreCredentials;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.AgentJobConfig;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.ProfileJson;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * <b>Not wired into {@code node-agent run} since issue 9</b>: the multi-job agent writes no result
 * ConfigMaps and reads no job config ({@link AgentJobConfig}); the bulk upload is to come back
 * behind the admin-defined object store of the design. Kept compiling, with its tests.
 *
 * <p>The cluster run's second output after the result ConfigMap: each published slice also goes to
 * the job's object store ({@code spec.output.objectStore}) through an {@link ObjectStoreSink}, and
 * what the sink reports goes back onto the result ConfigMaps as annotations for the operator (see
 * {@link AgentContract#ANNOTATION_UPLOAD_STATE}) and into the {@code uploads_pending} and
 * {@code uploads_dropped} metrics.
 *
 * <p>One thread uploads, reports, and every {@link Settings#drainInterval} retries the spool, so a
 * store that comes back (or a Secret that is fixed) is noticed without new slices. The slice loop
 * only spools: whatever the store does, the ConfigMaps keep coming. Jobs without an object store
 * get {@link #NONE}.
 */
public final class SliceUploads implements AutoCloseable {

    /** Does nothing: the job has no object store. */
    public static final SliceUploads NONE = new SliceUploads();

    /** How long closing waits for a last upload of what is spooled (a finished job's last slice). */
    private static final Duration FINAL_DRAIN = Duration.ofSeconds(20);
    /**
     * Stands in while the key files cannot be read (a Secret key removed, a mount not there yet):
     * the store refuses it, so slices wait in the spool, and the next readable files replace it.
     */
    private static final StoreCredentials UNREADABLE = new StoreCredentials("unreadable", "unreadable");
    /** Annotations hold one line; the store's messages are short, a runaway one is cut. */
    private static final int MESSAGE_MAX = 1_000;

    /**
     * Where the agent keeps its spool and finds its credentials, and how often it retries.
     *
     * @param spoolRoot      node-local directory; each job spools under {@code {namespace}/{job}} in it
     * @param bounds         the spool's bounds
     * @param credentials    the directory holding the key pair files
     * @param drainInterval  how often the spool is retried without new slices
     */
    public record Settings(Path spoolRoot, SpoolBounds bounds, Path credentials, Duration drainInterval) {

        /** The agent pod's layout (see {@link AgentContract#SPOOL_MOUNT_PATH}), retrying every 5 s. */
        public static final Settings DEFAULT = new Settings(
                Path.of(AgentContract.SPOOL_MOUNT_PATH),
                new SpoolBounds(AgentContract.SPOOL_MAX_BYTES, AgentContract.SPOOL_MAX_SLICES),
                Path.of(AgentContract.CREDENTIALS_MOUNT_PATH),
                Duration.ofSeconds(5));
    }

    private final KubernetesClient client;
    private final String node;
    private final AgentMetrics metrics;
    private final PrintStream log;
    private final AgentJobConfig.ObjectStore store;
    private final CredentialFiles credentialFiles;
    private final ScheduledExecutorService thread;
    private final ObjectStoreSink sink;
    /** Annotations to write, per result ConfigMap name; touched only on the upload thread. */
    private final Map<String, Map<String, String>> toAnnotate = new LinkedHashMap<>();

    private final String namespace;
    private volatile String newestResult;
    private Map<String, String> lastReported = Map.of();
    private String lastReportedOn = "";
    private String lastLoggedProblem = "";
    private long droppedCounted;
    /** One line while the key files cannot be read; null when they can. Reported instead of the store's answer. */
    private volatile String credentialsProblem;

    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook = Thread.ofPlatform().unstarted(this::finish);

    private SliceUploads() {
        client = null;
        node = null;
        metrics = null;
        log = null;
        store = null;
        credentialFiles = null;
        thread = null;
        sink = null;
        namespace = null;
    }

    private SliceUploads(
            KubernetesClient client,
            String node,
            AgentJobConfig config,
            Settings settings,
            AgentMetrics metrics,
            PrintStream log) {
        this.client = client;
        this.node = node;
        this.metrics = metrics;
        this.log = log;
        this.store = config.objectStore();
        this.namespace = config.job().namespace();
        this.credentialFiles = new CredentialFiles(settings.credentials());
        ObjectStoreConfig storeConfig = new ObjectStoreConfig(
                URI.create(store.endpoint()),
                store.bucket(),
                store.prefix(),
                store.region(),
                readCredentials().orElse(UNREADABLE));
        SliceSpool spool = new SliceSpool(
                settings.spoolRoot().resolve(namespace).resolve(config.job().name()), settings.bounds());
        this.thread = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("object-store-upload").factory());
        // Each drain the sink queues runs here, with the credentials re-read before and the report after.
        this.sink = new ObjectStoreSink(storeConfig, spool, task -> thread.execute(() -> round(task)), this::uploaded);
        long every = settings.drainInterval().toMillis();
        thread.scheduleWithFixedDelay(sink::requestDrain, every, every, TimeUnit.MILLISECONDS);
        // A spool left by a previous run (container restart) goes up without waiting for a slice.
        sink.requestDrain();
        // The operator deletes a finished job's agent pods: SIGTERM still gets the last slice its try.
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * The uploads of a job: {@link #NONE} without an object store.
     *
     * @throws IllegalArgumentException with one line when the store settings or credentials are unusable
     */
    public static SliceUploads open(
            KubernetesClient client,
            String node,
            AgentJobConfig config,
            Settings settings,
            AgentMetrics metrics,
            PrintStream log) {
        if (config.objectStore() == null) {
            return NONE;
        }
        return new SliceUploads(client, node, config, settings, metrics, log);
    }

    /** Whether {@code config} still uploads where this was opened for (else the caller reopens). */
    public boolean sameStoreAs(AgentJobConfig config) {
        return Objects.equals(store, config.objectStore());
    }

    /**
     * Spools the slice whose result ConfigMap {@code resultName} was just published, for upload:
     * the NodeProfile JSON, every on-CPU stack folded (not cut to the ConfigMap's budget), and pprof.
     */
    public void submit(AgentJobConfig config, Instant sliceStart, SliceResult slice, String resultName) {
        if (sink == null) {
            return;
        }
        NodeProfile profile = slice.profile();
        SliceKey key = new SliceKey(config.job().namespace(), config.job().name(), sliceStart, node);
        sink.submit(new SliceObjects(key, json(profile), folded(slice), pprof(slice)));
        // After the spool has it: a report onto this result then counts this slice as pending.
        newestResult = resultName;
    }

    /** One upload round on the upload thread: fresh credentials, the sink's drain, then the report. */
    private void round(Runnable drain) {
        try {
            refreshCredentials();
            drain.run();
            report(sink.status());
        } catch (RuntimeException e) {
            // The thread must survive anything one round throws, or uploads stop for good.
            logOnce("object store upload round failed: " + e.getMessage());
        }
    }

    private void refreshCredentials() {
        readCredentials().ifPresent(credentials -> {
            if (sink.useCredentials(credentials)) {
                log.println("object store credentials changed: uploading with access key '" + credentials.accessKeyId()
                        + "' from now on");
            }
        });
    }

    /** The key pair from the files, or empty (with {@link #credentialsProblem} saying why). */
    private Optional<StoreCredentials> readCredentials() {
        try {
            StoreCredentials credentials = credentialFiles.read();
            credentialsProblem = null;
            return Optional.of(credentials);
        } catch (IllegalArgumentException e) {
            credentialsProblem = e.getMessage();
            return Optional.empty();
        }
    }

    /** The sink's listener: the slice is in the store, so its result ConfigMap links to the objects. */
    private void uploaded(String slicePath, List<String> uris) {
        String name = resultNameOf(slicePath);
        if (name != null) {
            toAnnotate
                    .computeIfAbsent(name, n -> new HashMap<>())
                    .put(AgentContract.ANNOTATION_OBJECTS, String.join(",", uris));
        }
    }

    private void report(SinkStatus status) {
        long dropped = status.dropped().slices();
        Map<String, String> state = new HashMap<>();
        String problem = credentialsProblem;
        SinkState sinkState = problem == null ? status.state() : SinkState.BAD_CREDENTIALS;
        String message = problem == null ? status.message() : problem;
        state.put(AgentContract.ANNOTATION_UPLOAD_STATE, sinkState.reason());
        state.put(AgentContract.ANNOTATION_UPLOAD_MESSAGE, oneLine(message));
        state.put(AgentContract.ANNOTATION_UPLOADS_PENDING, Integer.toString(status.pendingSlices()));
        state.put(AgentContract.ANNOTATION_UPLOADS_DROPPED, Long.toString(dropped));
        state.put(
                AgentContract.ANNOTATION_UPLOADS_DROPPED_REASON,
                oneLine(status.dropped().lastReason()));
        String newest = newestResult;
        // Written when it changed, or onto a newer result (the operator reads each node's newest).
        if (newest != null && !(state.equals(lastReported) && newest.equals(lastReportedOn))) {
            toAnnotate.computeIfAbsent(newest, n -> new HashMap<>()).putAll(state);
            lastReported = state;
            lastReportedOn = newest;
        }
        if (!message.isEmpty()) {
            logOnce("object store: " + sinkState.reason() + ": " + message + " (" + status.pendingSlices()
                    + " slice(s) waiting)");
        } else {
            lastLoggedProblem = "";
        }
        toAnnotate.forEach((name, annotations) -> {
            if (!annotate(name, annotations) && name.equals(lastReportedOn)) {
                lastReportedOn = ""; // not written: the next round tries again
            }
        });
        toAnnotate.clear();
        // Metrics last: what they show is then on the ConfigMaps too.
        metrics.uploadsPending(status.pendingSlices());
        if (dropped > droppedCounted) {
            metrics.uploadsDropped(dropped - droppedCounted);
            droppedCounted = dropped;
        }
    }

    /** Writes the annotations; false when the API refused (a pruned result counts as done). */
    private boolean annotate(String name, Map<String, String> annotations) {
        try {
            // A merge patch of the annotations alone: no read first, and nothing else of the result is touched.
            String patch =
                    ProfileJson.mapper().writeValueAsString(Map.of("metadata", Map.of("annotations", annotations)));
            client.configMaps()
                    .inNamespace(namespace)
                    .withName(name)
                    .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) { // a result pruned beyond the retention has nothing to link
                return true;
            }
            logOnce("cannot annotate result " + name + ": " + oneLine(String.valueOf(e.getMessage())));
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The result ConfigMap of a spooled slice, from its path {@code {namespace}/{job}/{sliceStart}/{node}}. */
    static String resultNameOf(String slicePath) {
        String[] parts = slicePath.split("/");
        if (parts.length != 4) {
            return null;
        }
        try {
            return AgentContract.resultName(parts[1], parts[3], Instant.parse(parts[2]));
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    private void logOnce(String line) {
        if (!line.equals(lastLoggedProblem)) {
            log.println(line);
            lastLoggedProblem = line;
        }
    }

    private static String oneLine(String message) {
        String line = message.lines().findFirst().orElse("");
        return line.length() <= MESSAGE_MAX ? line : line.substring(0, MESSAGE_MAX) + "...";
    }

    private static byte[] json(NodeProfile profile) {
        try {
            return ProfileJson.mapper().writeValueAsBytes(profile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] folded(SliceResult slice) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Writer out = new OutputStreamWriter(bytes, StandardCharsets.UTF_8)) {
            FoldedStacks.write(slice.stacks(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static byte[] pprof(SliceResult slice) {
        NodeProfile p = slice.profile();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            PprofWriter.write(new PprofSlice(slice.stacks(), slice.pods(), p.frequencyHz(), p.start(), p.end()), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Tries once more to upload what is spooled (bounded wait), reports, and stops the upload thread. */
    @Override
    public void close() {
        if (sink == null) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to: it finishes
        }
        finish();
    }

    private void finish() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            thread.submit(() -> round(sink::drain)).get(FINAL_DRAIN.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            log.println("object store: last upload did not finish: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            thread.shutdownNow();
            sink.close();
        }
    }
}
