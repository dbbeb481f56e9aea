package dev.ebpf.profiling.operator;

import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.operator.ingest.ResultConfigMaps;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.List;
import java.util.Map;

/**
 * What a job's agents wrote, as the operator's informers last saw it: the result ConfigMaps and
 * (trigger mode) the trigger-state ConfigMaps the job owns.
 *
 * <p>Read from the informer caches, not from the API server: every such write already starts a
 * reconcile (the informers are its event sources), and listing result ConfigMaps of up to 1 MiB
 * each from the API server at every reconcile would grow with nodes x retention, while trigger-mode
 * agents refresh their state every 30 s. A cache that lags only delays a result to the reconcile
 * its own event starts. The job's status, which decides what is new, is still read from the API server.
 *
 * @param results       the job's per-node result ConfigMaps (agents that write them; the job-level
 *                      ones the operator writes from pushed reports are the SliceStore's)
 * @param triggerStates the job's trigger-state ConfigMaps
 */
public record AgentReports(List<ConfigMap> results, List<ConfigMap> triggerStates) {

    /** The job's ConfigMaps from the caches of the reconcile's event sources. */
    public static AgentReports of(Context<ProfilingJob> context) {
        return of(context.getSecondaryResourcesAsStream(ConfigMap.class).toList());
    }

    /** Sorts the job's ConfigMaps: the agents' per-node results and their trigger states. */
    public static AgentReports of(List<ConfigMap> owned) {
        return new AgentReports(
                component(owned, AgentContract.COMPONENT_RESULT).stream()
                        .filter(cm -> !ResultConfigMaps.isJobLevel(cm))
                        .toList(),
                component(owned, AgentContract.COMPONENT_TRIGGER_STATE));
    }

    private static List<ConfigMap> component(List<ConfigMap> configMaps, String component) {
        return configMaps.stream()
                .filter(cm -> {
                    Map<String, String> labels = cm.getMetadata().getLabels();
                    return labels != null && component.equals(labels.get(AgentContract.LABEL_COMPONENT));
                })
                .toList();
    }
}
