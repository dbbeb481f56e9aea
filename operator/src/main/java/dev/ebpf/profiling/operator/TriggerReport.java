package dev.ebpf.profiling.operator;

import dev.ebpf.profiling.api.job.ArmedNodeStatus;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.NodeTriggerState;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import dev.ebpf.profiling.api.job.TriggerSpec;
import dev.ebpf.profiling.api.job.TriggerStatus;
import dev.ebpf.profiling.api.profile.ProfileJson;
import dev.ebpf.profiling.operator.status.Conditions;
import dev.ebpf.profiling.operator.status.JobEvents;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The status of a trigger-mode job from its agents' trigger states: each firing recorded once (a
 * Normal Event {@code Triggered}, the condition {@code Triggered}, an entry in
 * {@code status.triggers}), and each target node's phase and current value in
 * {@code status.armedNodes}, so a trigger that never fires is visible too.
 *
 * <p>Which firings are new is decided from the stored status alone, so a restarted operator repeats
 * no Event: a node's firing is new when it is later than the node's newest firing in
 * {@code status.triggers}. A node with no entry there had none recorded, unless the list is full:
 * then its recorded firings were pushed out by newer ones, and only firings later than the oldest
 * kept entry are new.
 */
public final class TriggerReport {

    static final String REASON_TRIGGERED = "Triggered";
    static final String REASON_ARMED = "Armed";
    static final String REASON_WAITING = "WaitingForAgents";

    private TriggerReport() {}

    /** One node's latest trigger state, as its agent pushed it ({@code NodeTriggerReport}). */
    public record NodeState(String node, NodeTriggerState state) {}

    /** Sets the trigger parts of {@code status}; for a job not in trigger mode, removes them. */
    public static void update(
            ProfilingJob job,
            List<NodeState> reports,
            Collection<String> targetNodes,
            ProfilingJobStatus old,
            ProfilingJobStatus status,
            Instant now,
            long generation,
            JobEvents.Pending events) {
        if (job.getSpec().mode != Mode.TRIGGER) {
            status.triggers = null;
            status.armedNodes = null;
            status.armedNodeCounts = null;
            Conditions.remove(status.conditions, ProfilingJobStatus.TRIGGERED);
            return;
        }
        List<TriggerStatus> fired = newFirings(reports, old.triggers);
        fired.forEach(f -> events.normal(REASON_TRIGGERED, f.message));
        status.triggers = newestFirst(old.triggers, fired);
        List<ArmedNodeStatus> all = armedNodes(reports, targetNodes);
        status.armedNodeCounts =
                all.stream().collect(Collectors.groupingBy(a -> a.phase, TreeMap::new, Collectors.summingInt(a -> 1)));
        status.armedNodes = nearestToFiring(all);
        condition(job.getSpec().trigger, status, generation, now);
    }

    /** The firings in the reports that the status does not hold yet, oldest first. */
    static List<TriggerStatus> newFirings(List<NodeState> reports, List<TriggerStatus> recorded) {
        List<TriggerStatus> kept = recorded == null ? List.of() : recorded;
        Optional<Instant> oldestKept = kept.size() < ProfilingJobStatus.TRIGGERS_KEPT
                ? Optional.empty()
                : kept.stream().map(t -> Instant.parse(t.time)).min(Comparator.naturalOrder());
        List<TriggerStatus> fresh = new ArrayList<>();
        for (NodeState report : reports) {
            NodeTriggerState state = report.state();
            if (state == null || state.recent() == null) {
                continue;
            }
            Optional<Instant> mark = kept.stream()
                    .filter(t -> report.node().equals(t.node))
                    .map(t -> Instant.parse(t.time))
                    .max(Comparator.naturalOrder())
                    .or(() -> oldestKept);
            state.recent().stream()
                    .filter(f ->
                            f.at() != null && mark.map(m -> f.at().isAfter(m)).orElse(true))
                    .map(f -> entry(report.node(), state, f))
                    .forEach(fresh::add);
        }
        fresh.sort(
                Comparator.comparing((TriggerStatus t) -> Instant.parse(t.time)).thenComparing(t -> t.node));
        return fresh;
    }

    /** The recorded and the new firings, newest first, at most {@link ProfilingJobStatus#TRIGGERS_KEPT}. */
    static List<TriggerStatus> newestFirst(List<TriggerStatus> recorded, List<TriggerStatus> fired) {
        List<TriggerStatus> all = new ArrayList<>(fired);
        if (recorded != null) {
            all.addAll(recorded);
        }
        return all.stream()
                .sorted(Comparator.comparing((TriggerStatus t) -> Instant.parse(t.time))
                        .reversed()
                        .thenComparing(t -> t.node))
                .limit(ProfilingJobStatus.TRIGGERS_KEPT)
                .toList();
    }

    /** Every target node, by name: what its agent last reported, or {@link ArmedNodeStatus#PHASE_UNKNOWN}. */
    static List<ArmedNodeStatus> armedNodes(List<NodeState> reports, Collection<String> targetNodes) {
        Map<String, NodeState> byNode = reports.stream()
                .filter(r -> r.node() != null)
                .collect(Collectors.toMap(NodeState::node, Function.identity(), (a, b) -> a));
        return targetNodes.stream()
                .sorted()
                .map(node -> {
                    ArmedNodeStatus armed = new ArmedNodeStatus();
                    armed.node = node;
                    armed.phase = ArmedNodeStatus.PHASE_UNKNOWN;
                    NodeState report = byNode.get(node);
                    if (report == null) {
                        return armed;
                    }
                    NodeTriggerState state = report.state();
                    if (state != null) {
                        armed.phase = Objects.requireNonNullElse(state.phase(), ArmedNodeStatus.PHASE_UNKNOWN);
                        armed.metric = state.metric();
                        armed.value = state.value();
                        armed.readAt =
                                state.readAt() == null ? null : state.readAt().toString();
                        armed.error = state.error();
                        armed.firings = state.firings();
                    }
                    return armed;
                })
                .toList();
    }

    /** Phases by how near the node is to a firing (or in one): the status names those nodes first. */
    private static final List<String> NEAREST_FIRST = List.of("Profiling", "AboveThreshold", "Cooldown", "Armed");

    /**
     * At most {@link ProfilingJobStatus#NODES_NAMED} nodes, by name: every node of a small job, else
     * those nearest to firing (phase, then the highest value).
     */
    static List<ArmedNodeStatus> nearestToFiring(List<ArmedNodeStatus> byName) {
        if (byName.size() <= ProfilingJobStatus.NODES_NAMED) {
            return byName;
        }
        Comparator<ArmedNodeStatus> nearest = Comparator.comparingInt((ArmedNodeStatus a) -> {
                    int rank = NEAREST_FIRST.indexOf(a.phase);
                    return rank < 0 ? NEAREST_FIRST.size() : rank;
                })
                .thenComparing(a -> a.value == null ? Double.NEGATIVE_INFINITY : a.value, Comparator.reverseOrder())
                .thenComparing(a -> a.node);
        return byName.stream()
                .sorted(nearest)
                .limit(ProfilingJobStatus.NODES_NAMED)
                .sorted(Comparator.comparing(a -> a.node))
                .toList();
    }

    private static void condition(TriggerSpec trigger, ProfilingJobStatus status, long generation, Instant now) {
        if (!status.triggers.isEmpty()) {
            Conditions.set(
                    status.conditions,
                    ProfilingJobStatus.TRIGGERED,
                    true,
                    REASON_TRIGGERED,
                    status.triggers.getFirst().message,
                    generation,
                    now);
            return;
        }
        int targets = status.armedNodeCounts.values().stream()
                .mapToInt(Integer::intValue)
                .sum();
        int armed = targets - status.armedNodeCounts.getOrDefault(ArmedNodeStatus.PHASE_UNKNOWN, 0);
        if (armed == 0) {
            Conditions.set(
                    status.conditions,
                    ProfilingJobStatus.TRIGGERED,
                    false,
                    REASON_WAITING,
                    "no node agent has reported its trigger yet",
                    generation,
                    now);
            return;
        }
        // As the agent names it: cpuN for one CPU.
        String metric = ProfileJson.mapper().convertValue(trigger.metric, String.class)
                + (trigger.cpu == null ? "" : trigger.cpu);
        Conditions.set(
                status.conditions,
                ProfilingJobStatus.TRIGGERED,
                false,
                REASON_ARMED,
                "armed on " + armed + "/" + targets + " node(s), none fired yet: fires when " + metric + " stays above "
                        + percent(trigger.threshold) + "% for " + trigger.effectiveFor(),
                generation,
                now);
    }

    private static TriggerStatus entry(String node, NodeTriggerState state, NodeTriggerState.TriggerFiring firing) {
        TriggerStatus t = new TriggerStatus();
        t.node = node;
        t.metric = state.metric();
        t.value = firing.value();
        t.threshold = state.threshold();
        t.time = firing.at().toString();
        t.result = firing.result();
        // The agent writes the message; an agent that did not still gets an Event that says what fired.
        t.message = firing.message() != null
                ? Conditions.capped(firing.message())
                : "Triggered: " + node + " " + state.metric() + " " + percent(firing.value()) + "% > "
                        + percent(state.threshold()) + "%";
        return t;
    }

    /** 87 or 87.5: the way a threshold is written in a spec. */
    private static String percent(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
