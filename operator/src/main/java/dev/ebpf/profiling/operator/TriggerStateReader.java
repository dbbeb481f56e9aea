package dev.ebpf.profiling.operator;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.NodeTriggerState;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.profile.ProfileJson;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Reads the trigger-state ConfigMaps a trigger-mode job's agents keep, one per node (layout:
 * {@link AgentContract#triggerStateName}, {@link NodeTriggerState}), and tells the reconciler when
 * one changes.
 */
public final class TriggerStateReader {

    /**
     * One node's report.
     *
     * @param node      the node (from the state, else from the ConfigMap's node label)
     * @param configMap the ConfigMap's name
     * @param state     the agent's state; null when it could not be read
     * @param error     one line on why it could not be read; null when it could
     */
    public record Report(String node, String configMap, NodeTriggerState state, String error) {}

    /** Newer agents may add fields; the operator reads what it knows. */
    private static final ObjectReader STATE = ProfileJson.mapper()
            .readerFor(NodeTriggerState.class)
            .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private TriggerStateReader() {}

    /**
     * Reconciles the owning job whenever an agent writes its trigger state: at every firing, at the
     * end of a window, and at least every {@link NodeTriggerState#REFRESH_SECONDS} with the metric's
     * value, which is what keeps the status' armed nodes fresh.
     */
    public static InformerEventSource<ConfigMap, ProfilingJob> eventSource(EventSourceContext<ProfilingJob> context) {
        return new InformerEventSource<>(
                InformerEventSourceConfiguration.from(ConfigMap.class, ProfilingJob.class)
                        .withName("trigger-state-configmaps")
                        .withLabelSelector(AgentContract.LABEL_COMPONENT + "=" + AgentContract.COMPONENT_TRIGGER_STATE)
                        .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(ProfilingJob.class))
                        .build(),
                context);
    }

    /** The job's trigger states (see {@link AgentReports}), one report per ConfigMap. */
    public static List<Report> read(List<ConfigMap> triggerStates) {
        return triggerStates.stream().map(TriggerStateReader::parse).toList();
    }

    static Report parse(ConfigMap configMap) {
        String name = configMap.getMetadata().getName();
        Map<String, String> labels = configMap.getMetadata().getLabels();
        String labelledNode = labels == null ? null : labels.get(AgentContract.LABEL_NODE);
        String json = configMap.getData() == null ? null : configMap.getData().get(AgentContract.TRIGGER_STATE_KEY);
        if (json == null) {
            return new Report(
                    labelledNode,
                    name,
                    null,
                    "trigger-state ConfigMap " + name + " lacks the key " + AgentContract.TRIGGER_STATE_KEY);
        }
        try {
            NodeTriggerState state = STATE.readValue(json);
            String node = state.node() != null ? state.node() : labelledNode;
            return new Report(node, name, state, null);
        } catch (IOException e) {
            return new Report(
                    labelledNode,
                    name,
                    null,
                    "trigger-state ConfigMap " + name + ": "
                            + AgentContract.TRIGGER_STATE_KEY + " is not a NodeTriggerState: "
                            + e.getMessage().lines().findFirst().orElse(""));
        }
    }
}
