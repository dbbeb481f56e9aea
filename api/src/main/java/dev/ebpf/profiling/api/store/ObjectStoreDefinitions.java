package dev.ebpf.profiling.api.store;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The admin's stores by name, read from the JSON the chart renders (a JSON array; empty for none). */
public final class ObjectStoreDefinitions {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, ObjectStoreDefinition> byName;

    private ObjectStoreDefinitions(Map<String, ObjectStoreDefinition> byName) {
        this.byName = byName;
    }

    public static ObjectStoreDefinitions none() {
        return new ObjectStoreDefinitions(Map.of());
    }

    /** @throws IllegalArgumentException with one line: not a JSON array, a bad store, or a name twice */
    public static ObjectStoreDefinitions parse(String json) {
        if (json == null || json.isBlank()) {
            return none();
        }
        List<ObjectStoreDefinition> stores;
        try {
            stores = JSON.readValue(json, new TypeReference<List<ObjectStoreDefinition>>() {});
        } catch (JsonMappingException e) {
            if (e.getCause() instanceof IllegalArgumentException bad) {
                throw bad;
            }
            throw new IllegalArgumentException("objectStores is not a list of stores: " + firstLine(e), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("objectStores is not JSON: " + firstLine(e), e);
        }
        Map<String, ObjectStoreDefinition> byName = new LinkedHashMap<>();
        for (ObjectStoreDefinition store : stores == null ? List.<ObjectStoreDefinition>of() : stores) {
            if (byName.put(store.name(), store) != null) {
                throw new IllegalArgumentException("objectStores: the name '" + store.name() + "' is used twice");
            }
        }
        return new ObjectStoreDefinitions(Map.copyOf(byName));
    }

    public Optional<ObjectStoreDefinition> find(String name) {
        return Optional.ofNullable(name == null ? null : byName.get(name));
    }

    /** The names, sorted, for a message. */
    public List<String> names() {
        return byName.keySet().stream().sorted().toList();
    }

    public List<ObjectStoreDefinition> all() {
        return byName.values().stream()
                .sorted((a, b) -> a.name().compareTo(b.name()))
                .toList();
    }

    /** The definitions as JSON again: what the operator hands the agents. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(all());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String firstLine(Exception e) {
        return String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    }
}
