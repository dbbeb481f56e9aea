package dev.ebpf.profiling.operator.agents;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ebpf.profiling.api.ingest.IngestContract;
import dev.ebpf.profiling.api.job.Phase;
import dev.ebpf.profiling.api.job.ProfilingJob;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Labels {@link IngestContract#NODE_LABEL_AGENT} on exactly the nodes some running job targets, so
 * the agent DaemonSet runs there and nowhere else. A node keeps the label while any job needs it.
 *
 * <p>Which job needs which node: what each job's last reconcile said ({@link #sync}). While a running
 * job has not been reconciled since the operator started, its nodes are unknown (the status names
 * only the first few), so a sync then adds labels but removes none: a restart removes no label a
 * job still needs. Deleted, finished and refused jobs need nothing. Every sync
 * compares the wanted set with the nodes that carry the label (one list call, of the labelled nodes
 * only) and fixes the difference; syncs are serialized, so two jobs reconciled at once cannot undo
 * each other's labels.
 *
 * <p>The label comes with the annotation {@link #ANNOTATION_SINCE}: when it was set, so the agent
 * health check knows how long a node has been waiting for its agent, across operator restarts.
 */
public final class NodeLabels {

    public static final String ANNOTATION_SINCE = "profiling.ebpf.dev/agent-since";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesClient client;
    private final Clock clock;
    /** Job key (namespace/name) -> the nodes its last reconcile targeted. */
    private final Map<String, Set<String>> wanted = new HashMap<>();
    /** Labelled node -> since when, as of the last sync. */
    private Map<String, Instant> labelledSince = Map.of();
    /** The nodes the last complete sync labelled, and when it listed them. */
    private SortedSet<String> lastUnion;

    private Instant lastListed;

    /** How often a sync lists the labelled nodes even when no job's nodes changed. */
    static final java.time.Duration RELIST = java.time.Duration.ofMinutes(5);

    public NodeLabels(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    public static String key(ProfilingJob job) {
        return job.getMetadata().getNamespace() + "/" + job.getMetadata().getName();
    }

    /**
     * Records what {@code job} needs ({@code nodes}; empty when it needs no agent any more), then
     * brings the labels in line with every job's needs. {@code jobs} are all jobs the operator knows
     * (its cache). Returns since when each labelled node has carried the label.
     *
     * @throws KubernetesClientException when a node cannot be read or written; the next sync retries
     */
    public synchronized Map<String, Instant> sync(
            ProfilingJob job, Collection<String> nodes, Collection<ProfilingJob> jobs) {
        String self = key(job);
        wanted.put(self, Set.copyOf(nodes));
        SortedSet<String> union = new TreeSet<>(nodes);
        Set<String> known = new HashSet<>();
        known.add(self);
        boolean someUnknown = false;
        for (ProfilingJob other : jobs) {
            String key = key(other);
            if (key.equals(self)) {
                continue;
            }
            if (other.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            known.add(key);
            Set<String> needs = wanted.get(key);
            if (needs != null) {
                union.addAll(needs);
            } else if (mayNeedNodes(other)) {
                someUnknown = true;
            }
        }
        wanted.keySet().retainAll(known);
        return apply(union, !someUnknown);
    }

    /** The job is gone (or going): it needs no node any more. */
    public synchronized Map<String, Instant> forget(ProfilingJob job, Collection<ProfilingJob> jobs) {
        return sync(job, List.of(), jobs);
    }

    /** The jobs whose last reconcile targeted this node: an agent pod's change there concerns them. */
    public synchronized List<String> jobsOn(String node) {
        return wanted.entrySet().stream()
                .filter(e -> e.getValue().contains(node))
                .map(Map.Entry::getKey)
                .toList();
    }

    /** Since when each labelled node has carried the label, as of the last sync. */
    public synchronized Map<String, Instant> labelledSince() {
        return labelledSince;
    }

    private Map<String, Instant> apply(SortedSet<String> union, boolean mayRemove) {
        Instant now0 = clock.instant();
        if (union.equals(lastUnion) && lastListed != null && now0.isBefore(lastListed.plus(RELIST))) {
            // Nothing changed since the last sync: no list of the labelled nodes (thousands of Nodes
            // at scale) per reconcile. A label removed by hand is restored at the next relist.
            return labelledSince;
        }
        List<Node> labelled = client.nodes()
                .withLabel(IngestContract.NODE_LABEL_AGENT, IngestContract.NODE_LABEL_AGENT_VALUE)
                .list()
                .getItems();
        Map<String, Instant> since = new HashMap<>();
        for (Node node : labelled) {
            String name = node.getMetadata().getName();
            if (union.contains(name)) {
                Instant from = since(node);
                if (from == null) {
                    // Labelled without a readable annotation (by hand, or by an older operator):
                    // count from now, and store it, or the grace would start over at every sync.
                    from = clock.instant();
                    patch(name, IngestContract.NODE_LABEL_AGENT_VALUE, from.toString());
                }
                since.put(name, from);
            } else if (mayRemove) {
                patch(name, null, null);
            } else {
                since.put(name, Optional.ofNullable(since(node)).orElse(clock.instant()));
            }
        }
        Instant now = clock.instant();
        for (String name : union) {
            if (!since.containsKey(name) && patch(name, IngestContract.NODE_LABEL_AGENT_VALUE, now.toString())) {
                since.put(name, now);
            }
        }
        labelledSince = Map.copyOf(since);
        lastUnion = mayRemove ? new TreeSet<>(union) : null;
        lastListed = now0;
        return labelledSince;
    }

    /**
     * Sets (or with nulls removes) the label and its annotation with a JSON merge patch: it touches
     * those two keys only and needs no resourceVersion, so the kubelet's frequent node updates
     * cannot make it conflict. False when the node no longer exists.
     */
    private boolean patch(String name, String label, String since) {
        Map<String, Object> labels = new HashMap<>();
        labels.put(IngestContract.NODE_LABEL_AGENT, label);
        Map<String, Object> annotations = new HashMap<>();
        annotations.put(ANNOTATION_SINCE, since);
        Map<String, Object> metadata = Map.of("labels", labels, "annotations", annotations);
        try {
            client.nodes()
                    .withName(name)
                    .patch(
                            PatchContext.of(PatchType.JSON_MERGE),
                            JSON.writeValueAsString(Map.of("metadata", metadata)));
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
                return false;
            }
            throw e;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The annotation's time, or null when it is missing or unreadable. */
    private static Instant since(Node node) {
        String value = node.getMetadata().getAnnotations() == null
                ? null
                : node.getMetadata().getAnnotations().get(ANNOTATION_SINCE);
        if (value != null) {
            try {
                return Instant.parse(value);
            } catch (DateTimeParseException ignored) {
                // someone else's value: replaced
            }
        }
        return null;
    }

    /** Whether a job this operator has not reconciled yet may need agents (it is neither finished nor refused). */
    private static boolean mayNeedNodes(ProfilingJob job) {
        var status = job.getStatus();
        return status == null || (status.phase != Phase.SUCCEEDED && status.phase != Phase.INVALID);
    }
}
