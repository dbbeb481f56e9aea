package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.agent.trigger.Firing;
import dev.ebpf.profiling.agent.trigger.TriggerPhase;
import dev.ebpf.profiling.agent.trigger.TriggerStatus;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.AgentJobConfig;
import dev.ebpf.profiling.api.job.NodeTriggerState;
import dev.ebpf.profiling.api.profile.ProfileJson;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Keeps this node's trigger-state ConfigMap ({@link NodeTriggerState}) current for the operator:
 * written at once on a firing and whenever the phase changes, and otherwise only when the last
 * write is {@link NodeTriggerState#REFRESH_SECONDS} old, so an armed trigger shows its metric's
 * current value without writing to the API server every second.
 */
final class TriggerStateReporter {

    private static final Duration REFRESH = Duration.ofSeconds(NodeTriggerState.REFRESH_SECONDS);

    private final KubernetesClient client;
    private final String node;
    private final InstantSource clock;
    private final PrintStream log;
    private final Deque<NodeTriggerState.TriggerFiring> recent = new ArrayDeque<>();
    private AgentJobConfig config;
    private Instant lastWrite;
    private TriggerPhase lastPhase;

    TriggerStateReporter(
            KubernetesClient client, String node, AgentJobConfig config, InstantSource clock, PrintStream log) {
        this.client = client;
        this.log = log;
        this.node = node;
        this.config = config;
        this.clock = clock;
    }

    /** The job config changed (the reporter names and labels the ConfigMap from it). */
    void configChanged(AgentJobConfig newConfig) {
        this.config = newConfig;
    }

    /**
     * Records a firing, whose window will be published as {@code result}, and writes the state now.
     *
     * @return the firing as reported, with its Event message
     */
    NodeTriggerState.TriggerFiring fired(TriggerStatus status, Firing firing, String result) {
        NodeTriggerState.TriggerFiring reported = new NodeTriggerState.TriggerFiring(
                firing.at(),
                firing.value(),
                firing.aboveSince(),
                firing.profilingEnds(),
                result,
                firing.eventMessage(node, status.metric(), status.threshold()));
        recent.addLast(reported);
        while (recent.size() > NodeTriggerState.RECENT_FIRINGS) {
            recent.removeFirst();
        }
        write(status);
        return reported;
    }

    /** Writes the state if the phase changed or the last write is old enough. */
    void maybeReport(TriggerStatus status) {
        boolean due = lastWrite == null
                || status.phase() != lastPhase
                || !clock.instant().isBefore(lastWrite.plus(REFRESH));
        if (due && status.readAt() != null) {
            write(status);
        }
    }

    /**
     * Writes the state now. A failed write is logged in one line and not thrown: the trigger and
     * its windows matter more than the report, and the next {@link #maybeReport} tries again.
     */
    void write(TriggerStatus status) {
        String error = !status.readError().isEmpty()
                ? status.readError()
                : status.listenerError().isEmpty() ? null : status.listenerError();
        NodeTriggerState state = new NodeTriggerState(
                node,
                status.metric(),
                status.threshold(),
                status.phase().label(),
                status.value().isPresent() ? status.value().getAsDouble() : null,
                status.readAt(),
                error,
                status.firings(),
                List.copyOf(recent));
        ConfigMap map = new ConfigMapBuilder()
                .withNewMetadata()
                .withName(AgentContract.triggerStateName(config.job().name(), node))
                .withNamespace(config.job().namespace())
                .addToLabels(JobOwnedObjects.labels(config, AgentContract.COMPONENT_TRIGGER_STATE, node))
                .addToOwnerReferences(JobOwnedObjects.owner(config))
                .endMetadata()
                .addToData(AgentContract.TRIGGER_STATE_KEY, json(state))
                .build();
        try {
            client.configMaps()
                    .inNamespace(config.job().namespace())
                    .resource(map)
                    .createOr(existing -> existing.update());
        } catch (KubernetesClientException e) {
            log.println("cannot write the trigger state " + map.getMetadata().getName() + " (retried): "
                    + e.getMessage().lines().findFirst().orElse(""));
            return;
        }
        lastWrite = clock.instant();
        lastPhase = status.phase();
    }

    private static String json(NodeTriggerState state) {
        try {
            return ProfileJson.mapper().writeValueAsString(state);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
