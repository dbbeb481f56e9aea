package dev.ebpf.profiling.operator;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.ProfileJson;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.io.IOException;

/** Reads a result ConfigMap written by a node agent (layout: {@link AgentContract}). */
public final class ResultReader {

    /** Newer agents may add fields; the operator reads what it knows. */
    private static final ObjectReader PROFILE = ProfileJson.mapper()
            .readerFor(NodeProfile.class)
            .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ResultReader() {}

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
            NodeProfile profile = PROFILE.readValue(json);
            if (profile.node() == null || profile.cpus() == null || profile.topApplications() == null) {
                throw new IllegalArgumentException(
                        "result ConfigMap " + name + ": profile.json lacks node, cpus or topApplications");
            }
            return new NodeResult(profile.node(), name, slice, profile);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "result ConfigMap " + name + ": profile.json is not a NodeProfile: "
                            + e.getMessage().lines().findFirst().orElse(""),
                    e);
        }
    }
}
