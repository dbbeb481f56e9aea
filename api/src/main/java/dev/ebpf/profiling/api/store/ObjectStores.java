package dev.ebpf.profiling.api.store;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Uploads to the admin's stores, for the agents and the operator alike: one S3 client per store,
 * built again when the store's mounted credentials change (a rotated Secret), the credentials read
 * from {@code <credentialsRoot>/<store>/} before each upload. Thread-safe; uploads run one at
 * a time.
 */
public final class ObjectStores implements AutoCloseable {

    private final ObjectStoreDefinitions definitions;
    private final Path credentialsRoot;
    private final Map<String, S3ObjectStore> clients = new HashMap<>();

    public ObjectStores(ObjectStoreDefinitions definitions, Path credentialsRoot) {
        this.definitions = definitions;
        this.credentialsRoot = credentialsRoot;
    }

    public ObjectStoreDefinitions definitions() {
        return definitions;
    }

    /**
     * Puts the objects in order; returns their {@code s3://bucket/key} URIs.
     *
     * @throws StoreException the first failure, classified; objects put before it stay
     * @throws IllegalArgumentException when no store has that name
     */
    public List<String> upload(String storeName, List<StoredObject> objects) throws StoreException {
        ObjectStoreDefinition definition = definitions
                .find(storeName)
                .orElseThrow(() -> new IllegalArgumentException("no object store named '" + storeName
                        + "' is configured (known: " + definitions.names() + ")"));
        StoreCredentials credentials;
        try {
            credentials = new CredentialFiles(credentialsRoot.resolve(definition.name())).read();
        } catch (IllegalArgumentException e) {
            throw new StoreException(StoreFailure.CREDENTIALS_UNREADABLE, e.getMessage(), e);
        }
        synchronized (clients) {
            S3ObjectStore client = clients.get(storeName);
            if (client == null || !client.credentials().equals(credentials)) {
                if (client != null) {
                    client.close();
                }
                client = new S3ObjectStore(definition, credentials);
                clients.put(storeName, client);
            }
            List<String> uris = new ArrayList<>(objects.size());
            for (StoredObject object : objects) {
                client.put(object);
                uris.add(client.uriOf(object.key()));
            }
            return List.copyOf(uris);
        }
    }

    @Override
    public void close() {
        synchronized (clients) {
            clients.values().forEach(S3ObjectStore::close);
            clients.clear();
        }
    }
}
