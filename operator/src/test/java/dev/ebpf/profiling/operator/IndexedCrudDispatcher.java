package dev.ebpf.profiling.operator;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesResponseComposer;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.crud.AttributeType;
import io.fabric8.mockwebserver.http.MockResponse;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Fabric8's CRUD mock API server store ({@link KubernetesCrudDispatcher}) with an index, for the
 * cluster simulator at thousands of nodes.
 *
 * <p>The stock store keeps every object in one map keyed by its attributes (plural, namespace,
 * name, labels, ...) and answers every GET, PUT, PATCH and the existence check of every POST by
 * testing every stored key against the request's attributes. At 5,000 nodes x 3 jobs (some 25,000
 * objects) each request pays that scan: registering the cluster slows down as it grows, and each
 * of the operator's requests costs what the simulated cluster's size costs, not what it asks.
 *
 * <p>This store changes only how the candidates are found: it indexes every key by its {@code
 * plural}, {@code namespace} and {@code name} attributes and tests the keys of the smallest
 * matching index entry (a superset of the answer) with the same {@link AttributeSet#matches} test,
 * in the stored order. Everything else is the stock store's: the handlers for POST, PUT (and the
 * status subresource), PATCH, DELETE (finalizers), resourceVersion, conflicts, watches and their
 * events. A request with none of the indexed attributes, a DELETE and a GET that finds nothing (it
 * may be an API discovery request) go to the stock code unchanged.
 */
final class IndexedCrudDispatcher extends KubernetesCrudDispatcher {

    /** The key attributes indexed: each request names at least the plural (the resource type). */
    private static final List<String> INDEXED = List.of(
            KubernetesAttributesExtractor.PLURAL,
            KubernetesAttributesExtractor.NAMESPACE,
            KubernetesAttributesExtractor.NAME);

    /** For each indexed attribute value, the keys that have it, in the store's order. */
    private final Map<Attribute, Set<AttributeSet>> index = new HashMap<>();
    /** Guards the index and keeps it in step with the store's map: written with the map, read for a lookup. */
    private final ReadWriteLock indexLock = new ReentrantReadWriteLock();
    /** The newest resourceVersion issued: a list's resourceVersion, as the stock store answers it. */
    private final AtomicLong lastVersion = new AtomicLong();

    private KubernetesAttributesExtractor extractor() {
        return (KubernetesAttributesExtractor) attributeExtractor;
    }

    @Override
    public MockResponse handleGet(String path) {
        if (isWatch(path)) {
            return super.handleGet(path);
        }
        AttributeSet query = attributeExtractor.fromPath(path);
        if (!hasIndexed(query)) {
            return super.handleGet(path);
        }
        List<String> items = new ArrayList<>();
        indexLock.readLock().lock();
        try {
            for (AttributeSet key : candidates(query)) {
                String value = key.matches(query) ? map.get(key) : null;
                if (value != null) {
                    items.add(value);
                }
            }
        } finally {
            indexLock.readLock().unlock();
        }
        if (query.containsKey(KubernetesAttributesExtractor.NAME)) {
            return items.isEmpty()
                    ? new MockResponse().setResponseCode(HttpURLConnection.HTTP_NOT_FOUND)
                    : new MockResponse()
                            .setResponseCode(HttpURLConnection.HTTP_OK)
                            .setBody(items.get(0));
        }
        if (items.isEmpty()) {
            return super.handleGet(path); // an empty list, or an API discovery request the stock store answers
        }
        return new MockResponse()
                .setResponseCode(HttpURLConnection.HTTP_OK)
                .setBody(((KubernetesResponseComposer) responseComposer)
                        .compose(items, String.valueOf(lastVersion.get())));
    }

    /** The stored entry the handlers of POST, PUT and PATCH look up (they hold the store's write lock). */
    @Override
    public Map.Entry<AttributeSet, String> findResource(AttributeSet attributes) {
        if (!hasIndexed(attributes)) {
            return super.findResource(attributes);
        }
        indexLock.readLock().lock();
        try {
            for (AttributeSet key : candidates(attributes)) {
                String value = key.matches(attributes) ? map.get(key) : null;
                if (value != null) {
                    return new AbstractMap.SimpleImmutableEntry<>(key, value);
                }
            }
            return null;
        } finally {
            indexLock.readLock().unlock();
        }
    }

    /**
     * Every change of the store's map goes through here (create, update, status, patch, delete):
     * the stock code changes the map and sends the watch events, and the index follows under its
     * lock, so that a lookup never sees the map and the index out of step.
     */
    @Override
    public void processEvent(
            String path,
            AttributeSet pathAttributes,
            AttributeSet oldAttributes,
            GenericKubernetesResource resource,
            String newState) {
        AttributeSet newKey = newState == null ? null : keyOf(pathAttributes, resource, newState);
        indexLock.writeLock().lock();
        try {
            super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
            if (oldAttributes != null) {
                forEachIndexed(oldAttributes, (attribute, keys) -> keys.remove(oldAttributes));
            }
            if (newKey != null) {
                if (!map.containsKey(newKey)) {
                    throw new IllegalStateException("the index's key differs from the store's: " + newKey);
                }
                forEachIndexed(newKey, (attribute, keys) -> keys.add(newKey));
            }
        } finally {
            indexLock.writeLock().unlock();
        }
    }

    @Override
    public long requestResourceVersion() {
        long version = super.requestResourceVersion();
        lastVersion.accumulateAndGet(version, Math::max);
        return version;
    }

    @Override
    public void reset() {
        indexLock.writeLock().lock();
        try {
            super.reset();
            index.clear();
        } finally {
            indexLock.writeLock().unlock();
        }
    }

    /**
     * The base class's own store operations change the map without going through {@link
     * #processEvent}: nothing of the mock server calls them (the Kubernetes handlers replace them),
     * and they would put the index out of step, so they refuse.
     */
    @Override
    public MockResponse handleCreate(String path, String body) {
        throw new UnsupportedOperationException("the Kubernetes handlers create through processEvent");
    }

    @Override
    public MockResponse handlePatch(String path, String body) {
        throw new UnsupportedOperationException("the Kubernetes handlers patch through processEvent");
    }

    @Override
    public MockResponse handleUpdate(String path, String body) {
        throw new UnsupportedOperationException("the Kubernetes handlers update through processEvent");
    }

    /** The key the stock store gives a new state (as in its processEvent): the object's attributes, the plural from the path. */
    private AttributeSet keyOf(AttributeSet pathAttributes, GenericKubernetesResource resource, String newState) {
        AttributeSet key =
                resource != null ? extractor().extract(resource) : extractor().fromResource(newState);
        return key.containsKey(KubernetesAttributesExtractor.PLURAL) ? key : AttributeSet.merge(pathAttributes, key);
    }

    /**
     * The keys of the smallest index entry the query asks for by equality: every match is among them.
     * Read under the index lock (the entry is not copied).
     */
    private Collection<AttributeSet> candidates(AttributeSet query) {
        Set<AttributeSet> smallest = null;
        for (String name : INDEXED) {
            Attribute wanted = query.getAttribute(name);
            if (wanted != null && wanted.getType() == AttributeType.WITH) {
                Set<AttributeSet> keys = index.getOrDefault(wanted, Set.of());
                if (smallest == null || keys.size() < smallest.size()) {
                    smallest = keys;
                }
            }
        }
        return smallest;
    }

    private static boolean hasIndexed(AttributeSet query) {
        for (String name : INDEXED) {
            Attribute wanted = query.getAttribute(name);
            if (wanted != null && wanted.getType() == AttributeType.WITH) {
                return true;
            }
        }
        return false;
    }

    private interface IndexEntry {
        void apply(Attribute attribute, Set<AttributeSet> keys);
    }

    private void forEachIndexed(AttributeSet key, IndexEntry change) {
        for (String name : INDEXED) {
            Attribute attribute = key.getAttribute(name);
            if (attribute != null) {
                Set<AttributeSet> keys = index.computeIfAbsent(attribute, a -> new LinkedHashSet<>());
                change.apply(attribute, keys);
                if (keys.isEmpty()) {
                    index.remove(attribute);
                }
            }
        }
    }

    /** As the stock store tells a watch from a GET: {@code watch=true} in the query. */
    private static boolean isWatch(String path) {
        try {
            String query = new URI(path).getQuery();
            return query != null && query.contains("watch=true");
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
