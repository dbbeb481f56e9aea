package dev.ebpf.profiling.agent.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.stream.IntStream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sink against a real S3 server (s3proxy, filesystem backend) that the test starts. */
class ObjectStoreSinkTest {

    private static final String BUCKET = "profiles";
    private static final String PREFIX = "clusters/test";
    private static final SpoolBounds ROOMY = new SpoolBounds(10_000_000, 100);
    /** Uploads on the submitting thread, so each submit returns after its upload. */
    private static final Executor ON_THIS_THREAD = Runnable::run;

    @TempDir
    Path temp;

    private LocalS3Server server;

    @BeforeEach
    void startServer() {
        server = LocalS3Server.start(temp.resolve("s3-data"));
        server.createBucket(BUCKET);
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void writesTheProfileTheGzippedFoldedStacksAndThePprofUnderTheSliceKey() throws IOException {
        SliceObjects slice = Slices.slice(0);
        try (ObjectStoreSink sink = sink(server.config(BUCKET, "/" + PREFIX + "/"), ROOMY)) {
            SinkStatus status = sink.submit(slice);

            String base = PREFIX + "/demo/web/2026-11-26T06:20:00Z/node-1";
            assertThat(status.state()).isEqualTo(SinkState.READY);
            assertThat(status.message()).isEmpty();
            assertThat(status.pendingSlices()).isZero();
            assertThat(status.uploadedSlices()).isEqualTo(1);
            assertThat(status.lastUploadedUris())
                    .containsExactly(
                            "s3://profiles/" + base + ".json",
                            "s3://profiles/" + base + ".folded.gz",
                            "s3://profiles/" + base + ".pprof");
            assertThat(server.read(BUCKET, base + ".json")).isEqualTo(slice.profileJson());
            assertThat(gunzip(server.read(BUCKET, base + ".folded.gz"))).isEqualTo(slice.foldedStacks());
            assertThat(server.read(BUCKET, base + ".pprof")).isEqualTo(slice.pprof());
        }
    }

    @Test
    void wrongSecretGivesACredentialsStateAndKeepsTheSliceUntilTheSecretIsFixed() {
        Path spoolDir = temp.resolve("spool");
        ObjectStoreConfig good = server.config(BUCKET, PREFIX);
        ObjectStoreConfig wrongSecret =
                good.withCredentials(new StoreCredentials(LocalS3Server.ACCESS_KEY, "not-the-secret"));

        try (ObjectStoreSink sink = new ObjectStoreSink(wrongSecret, new SliceSpool(spoolDir, ROOMY), ON_THIS_THREAD)) {
            SinkStatus status = sink.submit(Slices.slice(0));

            assertThat(status.state()).isEqualTo(SinkState.BAD_CREDENTIALS);
            assertThat(status.state().reason()).isEqualTo("ObjectStoreCredentialsRejected");
            assertThat(status.message())
                    .contains(LocalS3Server.ACCESS_KEY, BUCKET, "SignatureDoesNotMatch")
                    .doesNotContain("not-the-secret")
                    .doesNotContain("\n");
            assertThat(status.pendingSlices()).isEqualTo(1);
        }
        assertThat(server.putOrder()).isEmpty();

        // The agent restarts with the corrected Secret: the spooled slice goes up.
        try (ObjectStoreSink sink = new ObjectStoreSink(good, new SliceSpool(spoolDir, ROOMY), ON_THIS_THREAD)) {
            SinkStatus status = sink.drain();
            assertThat(status.state()).isEqualTo(SinkState.READY);
            assertThat(status.pendingSlices()).isZero();
        }
        assertThat(server.exists(BUCKET, PREFIX + "/demo/web/2026-11-26T06:20:00Z/node-1.json"))
                .isTrue();
    }

    @Test
    void fixedCredentialsTakeEffectInTheRunningSink() {
        ObjectStoreConfig good = server.config(BUCKET, PREFIX);
        ObjectStoreConfig wrongSecret =
                good.withCredentials(new StoreCredentials(LocalS3Server.ACCESS_KEY, "not-the-secret"));
        try (ObjectStoreSink sink =
                new ObjectStoreSink(wrongSecret, new SliceSpool(temp.resolve("spool"), ROOMY), ON_THIS_THREAD)) {
            assertThat(sink.submit(Slices.slice(0)).state()).isEqualTo(SinkState.BAD_CREDENTIALS);

            // What the agent does when the kubelet rewrites the mounted Secret.
            sink.useCredentials(good.credentials());
            SinkStatus status = sink.drain();

            assertThat(status.state()).as(status.message()).isEqualTo(SinkState.READY);
            assertThat(status.pendingSlices()).isZero();
        }
        assertThat(server.exists(BUCKET, PREFIX + "/demo/web/2026-11-26T06:20:00Z/node-1.json"))
                .isTrue();
    }

    @Test
    void unknownAccessKeyGivesACredentialsState() {
        ObjectStoreConfig unknownKey =
                server.config(BUCKET, PREFIX).withCredentials(new StoreCredentials("nobody", LocalS3Server.SECRET_KEY));
        try (ObjectStoreSink sink = sink(unknownKey, ROOMY)) {
            SinkStatus status = sink.submit(Slices.slice(0));

            assertThat(status.state()).isEqualTo(SinkState.BAD_CREDENTIALS);
            assertThat(status.message()).contains("'nobody'", "InvalidAccessKeyId");
            assertThat(status.pendingSlices()).isEqualTo(1);
        }
    }

    @Test
    void missingBucketIsReportedAndTheSlicesGoUpOnceItExists() {
        try (ObjectStoreSink sink = sink(server.config("no-such-bucket", PREFIX), ROOMY)) {
            SinkStatus status = sink.submit(Slices.slice(0));

            assertThat(status.state()).isEqualTo(SinkState.BUCKET_MISSING);
            assertThat(status.message())
                    .isEqualTo("object store " + server.endpoint()
                            + " bucket 'no-such-bucket' does not exist (NoSuchBucket)");
            assertThat(status.pendingSlices()).isEqualTo(1);

            server.createBucket("no-such-bucket");
            status = sink.drain();

            assertThat(status.state()).isEqualTo(SinkState.READY);
            assertThat(status.uploadedSlices()).isEqualTo(1);
            assertThat(server.exists("no-such-bucket", PREFIX + "/demo/web/2026-11-26T06:20:00Z/node-1.pprof"))
                    .isTrue();
        }
    }

    @Test
    void whileTheServerIsDownSlicesWaitAndGoUpInOrderWhenItIsBack() {
        try (ObjectStoreSink sink = sink(server.config(BUCKET, PREFIX), ROOMY)) {
            sink.submit(Slices.slice(0));
            server.stop();

            SinkStatus status = null;
            for (int n = 1; n <= 3; n++) {
                status = sink.submit(Slices.slice(n));
            }
            assertThat(status.state()).isEqualTo(SinkState.STORE_UNREACHABLE);
            assertThat(status.message())
                    .startsWith("object store " + server.endpoint() + " is unreachable: ")
                    .doesNotContain("\n");
            assertThat(status.pendingSlices()).isEqualTo(3);
            assertThat(sink.drain().state()).isEqualTo(SinkState.STORE_UNREACHABLE);

            server.restart();
            status = sink.drain();

            assertThat(status.state()).isEqualTo(SinkState.READY);
            assertThat(status.pendingSlices()).isZero();
            assertThat(status.uploadedSlices()).isEqualTo(4);
            assertThat(status.dropped().slices()).isZero();
            assertThat(server.putOrder()).containsExactlyElementsOf(keysOf(0, 1, 2, 3));
        }
    }

    @Test
    void whatTheSpoolBoundForcesOutIsCountedAndTheRestGoesUpInOrder() {
        SpoolBounds twoSlices = new SpoolBounds(10_000_000, 2);
        try (ObjectStoreSink sink = sink(server.config(BUCKET, PREFIX), twoSlices)) {
            server.stop();
            for (int n = 0; n < 5; n++) {
                sink.submit(Slices.slice(n));
            }
            SinkStatus status = sink.status();
            assertThat(status.pendingSlices()).isEqualTo(2);
            assertThat(status.dropped().slices()).isEqualTo(3);
            assertThat(status.dropped().bytes()).isPositive();
            assertThat(status.dropped().lastReason())
                    .isEqualTo("slice demo/web/2026-11-26T06:22:00Z/node-1 dropped: spool full (bounds 2 slices, "
                            + "10000000 bytes)");

            server.restart();
            status = sink.drain();

            assertThat(status.uploadedSlices()).isEqualTo(2);
            assertThat(server.putOrder()).containsExactlyElementsOf(keysOf(3, 4));
        }
    }

    @Test
    void submitOnlySpoolsAndQueuesOneDrainTheUploaderRunsLater() {
        Deque<Runnable> uploader = new ArrayDeque<>();
        try (ObjectStoreSink sink = new ObjectStoreSink(
                server.config(BUCKET, PREFIX), new SliceSpool(temp.resolve("spool"), ROOMY), uploader::add)) {
            for (int n = 0; n < 3; n++) {
                SinkStatus status = sink.submit(Slices.slice(n));
                assertThat(status.pendingSlices()).isEqualTo(n + 1);
            }
            assertThat(uploader)
                    .as("drain requests while one is queued are merged")
                    .hasSize(1);
            assertThat(server.putOrder())
                    .as("nothing uploaded on the submitting thread")
                    .isEmpty();

            uploader.removeFirst().run();

            assertThat(sink.status().pendingSlices()).isZero();
            assertThat(sink.status().uploadedSlices()).isEqualTo(3);
            assertThat(server.putOrder()).containsExactlyElementsOf(keysOf(0, 1, 2));
            sink.requestDrain();
            assertThat(uploader).as("a periodic request queues a drain again").hasSize(1);
        }
    }

    private ObjectStoreSink sink(ObjectStoreConfig config, SpoolBounds bounds) {
        return new ObjectStoreSink(config, new SliceSpool(temp.resolve("spool"), bounds), ON_THIS_THREAD);
    }

    private static List<String> keysOf(int... slices) {
        return IntStream.of(slices)
                .boxed()
                .flatMap(n -> Slices.slice(n).toObjects(PREFIX).stream().map(StoredObject::key))
                .toList();
    }

    private static byte[] gunzip(byte[] gzipped) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
            return in.readAllBytes();
        }
    }
}
