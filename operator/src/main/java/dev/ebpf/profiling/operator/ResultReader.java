package dev.ebpf.profiling.operator;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.profile.Hotspot;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.ProfileJson;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.io.IOException;
import java.util.List;

/** Reads a result ConfigMap written by a node agent (layout: {@link AgentContract}). */
public final class ResultReader {

    /** Newer agents may add fields; the operator reads what it knows. */
    private static final ObjectReader PROFILE = ProfileJson.mapper().readerFor(NodeProfile.class)
            .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final ObjectReader HOTSPOTS = ProfileJson.mapper().readerFor(new TypeReference<List<Hotspot>>() { })
            .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ResultReader() {
    }

    /** @throws IllegalArgumentException with a one-line message when the ConfigMap is not a readable result */
    public static NodeResult read(ConfigMap configMap) {
        String name = configMap.getMetadata().getName();
        var labels = configMap.getMetadata().getLabels();
        String slice = labels == null ? null : labels.get(AgentContract.LABEL_SLICE);
        String json = configMap.getData() == null ? null : configMap.getData().get(AgentContract.RESULT_PROFILE_KEY);
        if (slice == null || json == null) {
            throw new IllegalArgumentException("result ConfigMap " + name + " lacks the label "
                    + AgentContract.LABEL_SLICE + " or the key " + AgentContract.RESULT_PROFILE_KEY);
        }
        try {
            JsonNode tree = ProfileJson.mapper().readTree(json);
            NodeProfile profile = PROFILE.readValue(tree);
            if (profile.node() == null || profile.cpus() == null || profile.topApplications() == null) {
                throw new IllegalArgumentException("result ConfigMap " + name + ": profile.json lacks node, cpus or topApplications");
            }
            JsonNode hotspots = tree.get("hotspots");
            List<Hotspot> hot = hotspots == null || hotspots.isNull() ? List.of() : HOTSPOTS.readValue(hotspots);
            return new NodeResult(profile.node(), name, slice, profile, hot);
        } catch (IOException e) {
            throw new IllegalArgumentException("result ConfigMap " + name + ": profile.json is not a NodeProfile: "
                    + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }
}
