package dev.ebpf.profiling.agent.sink;

import dev.ebpf.profiling.api.store.ObjectStoreContract;
import dev.ebpf.profiling.api.store.ObjectStoreDefinition;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.domain.Blob;
import org.jclouds.blobstore.options.PutOptions;
import org.jclouds.blobstore.util.ForwardingBlobStore;

/**
 * A real S3 server for tests: s3proxy in this JVM, with its filesystem backend under a directory,
 * AWS signature auth, and a record of the order in which objects were put. It can be stopped and
 * started again on the same port with the same data, to play an outage.
 */
public final class LocalS3Server implements AutoCloseable {

    public static final String ACCESS_KEY = "test-access-key";
    public static final String SECRET_KEY = "test-secret-key";
    public static final String REGION = "us-east-1";

    private final BlobStoreContext context;
    private final BlobStore backend;
    private final List<String> putOrder = Collections.synchronizedList(new ArrayList<>());
    private S3Proxy proxy;
    private int port;

    private LocalS3Server(Path dataDirectory) {
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", dataDirectory.toString());
        this.context =
                ContextBuilder.newBuilder("filesystem").overrides(properties).build(BlobStoreContext.class);
        this.backend = new RecordingBlobStore(context.getBlobStore(), putOrder);
    }

    /** Starts a server on a free port, storing under {@code dataDirectory}. */
    public static LocalS3Server start(Path dataDirectory) {
        try {
            Files.createDirectories(dataDirectory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LocalS3Server server = new LocalS3Server(dataDirectory);
        server.startOn(0);
        return server;
    }

    public void createBucket(String bucket) {
        backend.createContainerInLocation(null, bucket);
    }

    /** Ends the server: connections to its port are refused until {@link #restart()}. */
    public void stop() {
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop s3proxy: " + e.getMessage(), e);
        }
    }

    /** Starts again on the same port over the same data. */
    public void restart() {
        startOn(port);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** Keys in the order the server stored them. */
    public List<String> putOrder() {
        synchronized (putOrder) {
            return List.copyOf(putOrder);
        }
    }

    public byte[] read(String bucket, String key) {
        Blob blob = backend.getBlob(bucket, key);
        if (blob == null) {
            throw new IllegalStateException("no object " + key + " in bucket " + bucket);
        }
        try (InputStream in = blob.getPayload().openStream()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean exists(String bucket, String key) {
        return backend.blobExists(bucket, key);
    }

    /** An admin's store definition of this server's bucket, with its credentials Secret named {@code name}. */
    public ObjectStoreDefinition definition(String name, String bucket, String prefix) {
        return new ObjectStoreDefinition(
                name, endpoint().toString(), bucket, REGION, true, prefix, name + "-credentials", null, null);
    }

    /** Writes the server's key pair where {@link dev.ebpf.profiling.api.store.ObjectStores} reads a store's. */
    public static void writeCredentials(Path credentialsRoot, String store, String accessKey, String secretKey) {
        try {
            Path directory = Files.createDirectories(credentialsRoot.resolve(store));
            Files.writeString(directory.resolve(ObjectStoreContract.ACCESS_KEY_ID_FILE), accessKey + "\n");
            Files.writeString(directory.resolve(ObjectStoreContract.SECRET_ACCESS_KEY_FILE), secretKey);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every key in the bucket, sorted. */
    public List<String> keys(String bucket) {
        List<String> keys = new ArrayList<>();
        for (var meta : backend.list(bucket, org.jclouds.blobstore.options.ListContainerOptions.Builder.recursive())) {
            if (meta.getType() == org.jclouds.blobstore.domain.StorageType.BLOB) {
                keys.add(meta.getName());
            }
        }
        keys.sort(null);
        return keys;
    }

    private void startOn(int requestedPort) {
        proxy = S3Proxy.builder()
                .blobStore(backend)
                .endpoint(URI.create("http://127.0.0.1:" + requestedPort))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        try {
            proxy.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start s3proxy on port " + requestedPort + ": " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("s3proxy did not start: state " + proxy.getState());
            }
            Thread.onSpinWait();
        }
        port = proxy.getPort();
    }

    @Override
    public void close() {
        if (proxy != null && "STARTED".equals(proxy.getState())) {
            stop();
        }
        context.close();
    }

    /** Passes everything to the filesystem store, noting each stored key in order. */
    private static final class RecordingBlobStore extends ForwardingBlobStore {
        private final List<String> putOrder;

        RecordingBlobStore(BlobStore delegate, List<String> putOrder) {
            super(delegate);
            this.putOrder = putOrder;
        }

        @Override
        public String putBlob(String container, Blob blob) {
            String etag = super.putBlob(container, blob);
            putOrder.add(blob.getMetadata().getName());
            return etag;
        }

        @Override
        public String putBlob(String container, Blob blob, PutOptions options) {
            String etag = super.putBlob(container, blob, options);
            putOrder.add(blob.getMetadata().getName());
            return etag;
        }
    }
}
