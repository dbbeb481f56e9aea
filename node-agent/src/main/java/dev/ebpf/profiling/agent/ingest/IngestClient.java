package dev.ebpf.profiling.agent.ingest;

import dev.ebpf.profiling.agent.metrics.AgentMetrics;
import dev.ebpf.profiling.api.ingest.IngestContract;
import dev.ebpf.profiling.api.ingest.JobKey;
import dev.ebpf.profiling.api.ingest.NodeSliceReport;
import dev.ebpf.profiling.api.ingest.NodeTriggerReport;
import dev.ebpf.profiling.api.ingest.NodeUploadReport;
import dev.ebpf.profiling.api.profile.ProfileJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Pushes a node's reports to the operator's ingest endpoint ({@link IngestContract}): JSON over
 * HTTPS, trusting only the CA in {@link IngestContract#CA_FILE}, with the projected ServiceAccount
 * token read again from {@link IngestContract#TOKEN_FILE} at every request (the kubelet rotates it).
 *
 * <p>Reports wait in a small backlog per job while the operator cannot take them: at most
 * {@link IngestContract#AGENT_BACKLOG_REPORTS} slice reports (the oldest is dropped and counted
 * when one more comes) and the newest trigger state only (an older one says nothing the newer does
 * not). When the operator is unreachable, answers 5xx or 429 (too many open slices), the whole
 * backlog waits and is tried again with a back-off doubling from 1 s to 60 s. A 4xx is final and
 * logged once per reason, the report dropped and counted; except 409 (the job is not accepted yet,
 * or the node is not yet one of its targets: the operator may be a reconcile behind the agent),
 * which is tried once more after the back-off before being dropped.
 *
 * <p>{@link #send} only queues; a daemon thread ({@link #start}) delivers, or a caller drives
 * {@link #deliverPending} itself (tests).
 */
public final class IngestClient implements AutoCloseable {

    public static final String KIND_SLICE = "slice";
    public static final String KIND_TRIGGER = "trigger-state";
    public static final String KIND_UPLOAD = "upload";

    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(60);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern REASON = Pattern.compile("^([A-Za-z][A-Za-z0-9]*):");

    /** What became of one delivery attempt. */
    enum Outcome {
        SENT,
        RETRY,
        RETRY_ONCE,
        DROP
    }

    private static final class Pending {
        final String kind;
        final String path;
        final JobKey job;
        final byte[] json;
        boolean retried;

        Pending(String kind, String path, JobKey job, byte[] json) {
            this.kind = kind;
            this.path = path;
            this.job = job;
            this.json = json;
        }
    }

    private static final class JobBacklog {
        final Deque<Pending> slices = new ArrayDeque<>();
        final Deque<Pending> uploads = new ArrayDeque<>();
        Pending trigger;

        int size() {
            return slices.size() + uploads.size() + (trigger == null ? 0 : 1);
        }
    }

    private final URI base;
    private final Path credentials;
    private final AgentMetrics metrics;
    private final PrintStream log;
    private final Clock clock;
    private final Map<String, JobBacklog> backlog = new LinkedHashMap<>();
    private final Set<String> loggedReasons = new HashSet<>();
    private final Object sending = new Object();
    private HttpClient http;
    private FileTime caModified;
    private Duration backoff = FIRST_BACKOFF;
    private Instant nextAttempt = Instant.MIN;
    private Thread thread;
    private volatile boolean closed;

    /**
     * @param base        the ingest base URL ({@link IngestContract#ENV_INGEST_URL}); {@code http:} only in tests
     * @param credentials the directory of the token and the CA ({@link IngestContract#TOKEN_MOUNT_PATH})
     */
    public IngestClient(URI base, Path credentials, AgentMetrics metrics, PrintStream log, Clock clock) {
        this.base = base;
        this.credentials = credentials;
        this.metrics = metrics;
        this.log = log;
        this.clock = clock;
    }

    public IngestClient(URI base, Path credentials, AgentMetrics metrics, PrintStream log) {
        this(base, credentials, metrics, log, Clock.systemUTC());
    }

    /** Queues a slice report; the oldest of the job's backlog goes when it is full. */
    public void send(NodeSliceReport report) {
        Pending pending = new Pending(KIND_SLICE, IngestContract.SLICES_PATH, report.job(), json(report));
        synchronized (backlog) {
            JobBacklog job = backlog.computeIfAbsent(report.job().uid(), u -> new JobBacklog());
            job.slices.addLast(pending);
            while (job.slices.size() > IngestContract.AGENT_BACKLOG_REPORTS) {
                job.slices.removeFirst();
                metrics.ingestDropped(1);
                logOnce("backlogFull", "ingest: backlog of " + jobName(report.job()) + " full, oldest report dropped");
            }
            changed();
        }
    }

    /** Queues an upload report; like slice reports, the oldest of the job's goes when its backlog is full. */
    public void send(NodeUploadReport report) {
        Pending pending = new Pending(KIND_UPLOAD, IngestContract.UPLOADS_PATH, report.job(), json(report));
        synchronized (backlog) {
            JobBacklog job = backlog.computeIfAbsent(report.job().uid(), u -> new JobBacklog());
            job.uploads.addLast(pending);
            while (job.uploads.size() > IngestContract.AGENT_BACKLOG_REPORTS) {
                job.uploads.removeFirst();
                metrics.ingestDropped(1);
            }
            changed();
        }
    }

    /** Queues a trigger report in place of the job's one still waiting, if any. */
    public void send(NodeTriggerReport report) {
        Pending pending = new Pending(KIND_TRIGGER, IngestContract.TRIGGER_STATES_PATH, report.job(), json(report));
        synchronized (backlog) {
            backlog.computeIfAbsent(report.job().uid(), u -> new JobBacklog()).trigger = pending;
            changed();
        }
    }

    /** Reports waiting, over all jobs. */
    public int backlog() {
        synchronized (backlog) {
            return backlog.values().stream().mapToInt(JobBacklog::size).sum();
        }
    }

    /** Forgets a job's backlog (the job is gone). */
    public void forget(JobKey job) {
        synchronized (backlog) {
            backlog.remove(job.uid());
            changed();
        }
    }

    /**
     * One delivery pass unless the back-off is still running: each job's reports in order, trigger
     * state first; stops at the first failure that says the operator cannot take reports now.
     * Returns the backlog left.
     */
    public int deliverPending() {
        synchronized (sending) {
            if (clock.instant().isBefore(nextAttempt)) {
                return backlog();
            }
            boolean retryLater = false;
            for (Pending pending : queued()) {
                Outcome outcome = deliver(pending);
                synchronized (backlog) {
                    switch (outcome) {
                        case SENT -> remove(pending);
                        case DROP -> {
                            remove(pending);
                            metrics.ingestDropped(1);
                        }
                        case RETRY_ONCE -> {
                            if (pending.retried) {
                                remove(pending);
                                metrics.ingestDropped(1);
                            } else {
                                pending.retried = true;
                                retryLater = true;
                            }
                        }
                        case RETRY -> retryLater = true;
                    }
                    changed();
                }
                if (outcome == Outcome.RETRY) {
                    break; // the operator is down or busy: the rest waits too
                }
            }
            if (retryLater) {
                nextAttempt = clock.instant().plus(backoff);
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            } else {
                backoff = FIRST_BACKOFF;
                nextAttempt = Instant.MIN;
            }
            return backlog();
        }
    }

    /** Starts the daemon thread that delivers what is queued, waking at each send and at the back-off's end. */
    public synchronized void start() {
        if (thread != null) {
            return;
        }
        thread = Thread.ofPlatform().daemon().name("ingest-client").start(() -> {
            while (!closed) {
                try {
                    int left = deliverPending();
                    synchronized (backlog) {
                        if (closed) {
                            return;
                        }
                        long waitMillis;
                        if (left == 0) {
                            waitMillis = 0; // until a send
                        } else {
                            waitMillis = Math.max(
                                    1,
                                    Duration.between(clock.instant(), nextAttempt)
                                            .toMillis());
                        }
                        if (backlog() == left) {
                            backlog.wait(waitMillis);
                        }
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    log.println("ingest: delivery failed: " + e);
                }
            }
        });
    }

    @Override
    public void close() {
        closed = true;
        synchronized (backlog) {
            backlog.notifyAll();
        }
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            t.interrupt();
        }
    }

    private List<Pending> queued() {
        synchronized (backlog) {
            List<Pending> all = new ArrayList<>();
            for (JobBacklog job : backlog.values()) {
                if (job.trigger != null) {
                    all.add(job.trigger);
                }
                all.addAll(job.slices);
                all.addAll(job.uploads);
            }
            return all;
        }
    }

    private void remove(Pending pending) {
        JobBacklog job = backlog.get(pending.job.uid());
        if (job == null) {
            return;
        }
        if (job.trigger == pending) {
            job.trigger = null;
        }
        job.slices.removeIf(p -> p == pending);
        job.uploads.removeIf(p -> p == pending);
        if (job.size() == 0) {
            backlog.remove(pending.job.uid());
        }
    }

    /** Call holding the backlog's lock. */
    private void changed() {
        metrics.ingestBacklog(
                backlog.values().stream().mapToInt(JobBacklog::size).sum());
        backlog.notifyAll();
    }

    private Outcome deliver(Pending pending) {
        String token;
        HttpClient client;
        try {
            token = Files.readString(credentials.resolve(IngestContract.TOKEN_FILE))
                    .strip();
            client = httpClient();
        } catch (IOException | UncheckedIOException | GeneralSecurityException e) {
            metrics.ingestFailed(pending.kind, "credentialsUnreadable");
            logOnce("credentialsUnreadable", "ingest: cannot read the token or CA in " + credentials + ": " + e);
            return Outcome.RETRY;
        }
        HttpRequest request = HttpRequest.newBuilder(base.resolve(pending.path))
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofByteArray(pending.json))
                .build();
        HttpResponse<String> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            metrics.ingestFailed(pending.kind, "unreachable");
            logOnce("unreachable", "ingest: operator unreachable at " + base + ": " + e);
            return Outcome.RETRY;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.RETRY;
        }
        int status = response.statusCode();
        if (status / 100 == 2) {
            metrics.ingestSent(pending.kind);
            synchronized (loggedReasons) {
                loggedReasons.clear(); // a later failure is news again
            }
            return Outcome.SENT;
        }
        String body = response.body() == null ? "" : response.body().strip();
        var matcher = REASON.matcher(body);
        String reason = matcher.find() ? matcher.group(1) : "http_" + status;
        if (status >= 500) {
            reason = "http_5xx";
        }
        metrics.ingestFailed(pending.kind, reason);
        logOnce(
                reason,
                "ingest: " + pending.kind + " report of " + jobName(pending.job) + " refused (" + status + "): "
                        + body.lines().findFirst().orElse(""));
        if (status >= 500 || status == 429) {
            return Outcome.RETRY;
        }
        return status == 409 ? Outcome.RETRY_ONCE : Outcome.DROP;
    }

    /** The client; rebuilt when the CA file changes (the chart's Secret was renewed). */
    private synchronized HttpClient httpClient() throws IOException, GeneralSecurityException {
        if (!"https".equalsIgnoreCase(base.getScheme())) {
            if (http == null) {
                http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
            }
            return http;
        }
        Path ca = credentials.resolve(IngestContract.CA_FILE);
        FileTime modified = Files.getLastModifiedTime(ca);
        if (http == null || !Objects.equals(modified, caModified)) {
            http = HttpClient.newBuilder()
                    .connectTimeout(CONNECT_TIMEOUT)
                    .sslContext(trusting(ca))
                    .build();
            caModified = modified;
        }
        return http;
    }

    /** An SSL context that trusts the certificates in the PEM file, and nothing else. */
    static SSLContext trusting(Path caFile) throws IOException, GeneralSecurityException {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(caFile)) {
            int i = 0;
            for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("ca-" + i++, cert);
            }
            if (i == 0) {
                throw new GeneralSecurityException("no certificate in " + caFile);
            }
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    private void logOnce(String reason, String line) {
        synchronized (loggedReasons) {
            if (loggedReasons.add(reason)) {
                log.println(line);
            }
        }
    }

    private static String jobName(JobKey job) {
        return job.namespace() + "/" + job.name();
    }

    private static byte[] json(Object report) {
        try {
            return ProfileJson.mapper().writeValueAsBytes(report);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
