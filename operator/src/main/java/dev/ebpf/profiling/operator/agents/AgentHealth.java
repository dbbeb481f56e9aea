package dev.ebpf.profiling.operator.agents;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.function.Supplier;

/**
 * Whether every target node of a job has a running agent, and if not, why, in one line: how many
 * nodes lack one and one example node with its reason, such as {@code 3 of 40 target nodes have no
 * running agent; node-7: CrashLoopBackOff (exit 1: KernelSymbolsHiddenException ...), 5 restarts}.
 *
 * <p>What counts as a failure at once: a crash loop, an image that cannot be pulled or a container
 * that cannot be created. What counts after the grace (a new agent takes a moment to be created,
 * pulled and started): no agent pod on the node (with the DaemonSet's last FailedCreate Event as the
 * reason when there is one: Pod Security, quota, admission), a pod still pending, or one that ended.
 */
public final class AgentHealth {

    /** The job's target nodes all run an agent. */
    public static final String ALL_RUNNING = "AgentsRunning";
    /** Some target nodes have been waiting for their agent for less than the grace. */
    public static final String STARTING = "AgentsStarting";
    /** The DaemonSet controller could not create the node's agent pod (its FailedCreate Event). */
    public static final String REFUSED = "AgentRefused";
    /** The agent container cannot start: its image cannot be pulled, or its container not created. */
    public static final String NOT_STARTED = "AgentNotStarted";
    /** The agent starts and exits, again and again. */
    public static final String CRASH_LOOPING = "AgentCrashLooping";
    /** No agent runs on the node past the grace, for no reason the cluster tells. */
    public static final String NOT_RUNNING = "AgentNotRunning";

    /** Worst first: the example node is the first failing node of the worst kind. */
    private static final List<String> SEVERITY = List.of(REFUSED, CRASH_LOOPING, NOT_STARTED, NOT_RUNNING);

    private static final Set<String> NOT_STARTED_REASONS = Set.of(
            "ErrImagePull",
            "ImagePullBackOff",
            "InvalidImageName",
            "ErrImageNeverPull",
            "CreateContainerConfigError",
            "CreateContainerError",
            "RunContainerError");
    private static final int DETAIL_MAX = 200;

    /**
     * The verdict. {@code failing}: the reason is a failure (a Warning when it starts). {@code
     * recheckAfter}: when the grace of a waiting node runs out, if one does. {@code failingNodes}:
     * the target nodes whose agent failed (not those still within the grace), by name.
     */
    public record Verdict(
            boolean ready,
            boolean failing,
            String reason,
            String message,
            Duration recheckAfter,
            List<String> failingNodes) {}

    private record NodeState(String node, String reason, String detail) {}

    private static final NodeState RUNNING = new NodeState(null, "Running", null);
    private static final NodeState WAITING = new NodeState(null, "Waiting", null);

    private AgentHealth() {}

    /**
     * @param targets the job's target nodes
     * @param agents the agent pods (the DaemonSet's, in the operator's namespace)
     * @param since since when each target node has carried the agent label (absent: just now)
     * @param daemonSetEvents the DaemonSet's Events, read only when a node has no pod past the grace
     */
    @SuppressWarnings("ReferenceEquality") // RUNNING and WAITING are sentinels, compared by identity
    public static Verdict of(
            SortedSet<String> targets,
            Collection<Pod> agents,
            Map<String, Instant> since,
            Supplier<List<Event>> daemonSetEvents,
            Instant now,
            Duration grace) {
        Map<String, Pod> byNode = byNode(agents);
        List<NodeState> failing = new java.util.ArrayList<>();
        int waiting = 0;
        Instant soonest = null;
        Optional<String> refusal = null;
        for (String node : targets) {
            Pod pod = byNode.get(node);
            Instant from = since.getOrDefault(node, now);
            if (pod != null) {
                Instant created = created(pod);
                if (created != null && created.isAfter(from)) {
                    from = created;
                }
            }
            Instant graceEnds = from.plus(grace);
            boolean pastGrace = !now.isBefore(graceEnds);
            NodeState state = pod == null ? null : podState(node, pod, pastGrace);
            if (state == RUNNING) {
                continue;
            }
            if (state == WAITING) {
                state = null;
            }
            if (pod == null && pastGrace) {
                if (refusal == null) {
                    refusal = lastFailedCreate(daemonSetEvents.get());
                }
                state = refusal.map(message -> new NodeState(node, REFUSED, message))
                        .orElse(new NodeState(node, NOT_RUNNING, "no agent pod"));
            }
            if (state != null) {
                failing.add(state);
            } else {
                waiting++;
                soonest = soonest == null || graceEnds.isBefore(soonest) ? graceEnds : soonest;
            }
        }
        int missing = failing.size() + waiting;
        if (missing == 0) {
            return new Verdict(
                    true,
                    false,
                    ALL_RUNNING,
                    "an agent runs on each of the " + targets.size() + " target node(s)",
                    null,
                    List.of());
        }
        Duration recheck =
                soonest == null ? null : Duration.between(now, soonest).plusSeconds(1);
        String count = missing + " of " + targets.size() + " target node" + (targets.size() == 1 ? "" : "s")
                + (missing == 1 ? " has" : " have") + " no running agent";
        if (failing.isEmpty()) {
            return new Verdict(
                    false,
                    false,
                    STARTING,
                    count + " yet (waiting up to " + grace.toSeconds() + "s)",
                    recheck,
                    List.of());
        }
        NodeState example = failing.stream()
                .min(Comparator.comparingInt((NodeState s) -> SEVERITY.indexOf(s.reason()))
                        .thenComparing(NodeState::node))
                .orElseThrow();
        return new Verdict(
                false,
                true,
                example.reason(),
                count + "; " + example.node() + ": " + example.detail(),
                recheck,
                failing.stream().map(NodeState::node).sorted().toList());
    }

    /** {@link #RUNNING}, {@link #WAITING} (it may still start within the grace) or the node's failure. */
    private static NodeState podState(String node, Pod pod, boolean pastGrace) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        ContainerStatus container = pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null
                ? null
                : pod.getStatus().getContainerStatuses().stream()
                        .filter(c -> AgentDaemonSet.CONTAINER.equals(c.getName()))
                        .findFirst()
                        .orElse(pod.getStatus().getContainerStatuses().stream()
                                .findFirst()
                                .orElse(null));
        ContainerStateWaiting waiting = container == null || container.getState() == null
                ? null
                : container.getState().getWaiting();
        if (waiting != null && "CrashLoopBackOff".equals(waiting.getReason())) {
            return new NodeState(node, CRASH_LOOPING, "CrashLoopBackOff" + lastExit(container) + restarts(container));
        }
        if (waiting != null && NOT_STARTED_REASONS.contains(waiting.getReason())) {
            return new NodeState(node, NOT_STARTED, waiting.getReason() + detail(waiting.getMessage()));
        }
        if ("Running".equals(phase)
                && (container == null
                        || container.getState() == null
                        || container.getState().getRunning() != null)) {
            return RUNNING;
        }
        if (!pastGrace) {
            return WAITING;
        }
        String why = waiting != null && waiting.getReason() != null
                ? waiting.getReason() + detail(waiting.getMessage())
                : phase == null ? "pod " + pod.getMetadata().getName() + " has no status" : phase;
        if ("Pending".equals(phase) && waiting == null) {
            why = "Pending" + detail(pending(pod));
        }
        ContainerStateTerminated ended = container == null || container.getState() == null
                ? null
                : container.getState().getTerminated();
        if (ended != null) {
            String last = ended.getMessage() != null && !ended.getMessage().isBlank()
                    ? ended.getMessage()
                    : ended.getReason();
            why = "Terminated (exit " + ended.getExitCode() + (last == null ? "" : ": " + oneLine(last)) + ")";
        }
        return new NodeState(node, NOT_RUNNING, why + restarts(container));
    }

    private static String pending(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return null;
        }
        return pod.getStatus().getConditions().stream()
                .filter(c -> "False".equals(c.getStatus()) && c.getMessage() != null)
                .map(c -> c.getReason() == null ? c.getMessage() : c.getReason() + ": " + c.getMessage())
                .findFirst()
                .orElse(null);
    }

    private static String lastExit(ContainerStatus container) {
        ContainerStateTerminated last = container.getLastState() == null
                ? null
                : container.getLastState().getTerminated();
        if (last == null) {
            return "";
        }
        String message =
                last.getMessage() != null && !last.getMessage().isBlank() ? last.getMessage() : last.getReason();
        return " (exit " + last.getExitCode() + (message == null ? "" : ": " + oneLine(message)) + ")";
    }

    private static String restarts(ContainerStatus container) {
        Integer count = container == null ? null : container.getRestartCount();
        return count == null || count == 0 ? "" : ", " + count + " restart" + (count == 1 ? "" : "s");
    }

    private static String detail(String message) {
        return message == null || message.isBlank() ? "" : " (" + oneLine(message) + ")";
    }

    /** One line, at most {@link #DETAIL_MAX} characters: a condition message is read in a table. */
    static String oneLine(String text) {
        String line = text.strip().replaceAll("\\s*\\R\\s*", " ");
        return line.length() <= DETAIL_MAX ? line : line.substring(0, DETAIL_MAX - 3) + "...";
    }

    /** The newest FailedCreate Event of the DaemonSet, its message in one line. */
    private static Optional<String> lastFailedCreate(List<Event> events) {
        return events.stream()
                .filter(e -> "FailedCreate".equals(e.getReason()))
                .max(Comparator.comparing(AgentHealth::eventTime))
                .map(e -> "FailedCreate: " + oneLine(e.getMessage() == null ? "" : e.getMessage()));
    }

    private static String eventTime(Event event) {
        if (event.getLastTimestamp() != null) {
            return event.getLastTimestamp();
        }
        if (event.getEventTime() != null && event.getEventTime().getTime() != null) {
            return event.getEventTime().getTime();
        }
        return event.getMetadata().getCreationTimestamp() == null
                ? ""
                : event.getMetadata().getCreationTimestamp();
    }

    /**
     * The pod's creation time. Parsed with the ISO offset formatter, not {@code Instant.parse}: in
     * this JDK that builds a new formatter at each call, and a reconcile parses one per target node
     * (5,000 at a time in the cluster simulator, where it was most of the reconciles' allocation).
     */
    private static Instant created(Pod pod) {
        String created = pod.getMetadata().getCreationTimestamp();
        try {
            return created == null
                    ? null
                    : java.time.OffsetDateTime.parse(created).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    /**
     * The agent pod of each node: a DaemonSet pod names its node in spec.nodeName once scheduled,
     * and before that in its node affinity (matchFields metadata.name). A pod being deleted counts
     * only when the node has no other.
     */
    static Map<String, Pod> byNode(Collection<Pod> agents) {
        Map<String, Pod> byNode = new HashMap<>();
        for (Pod pod : agents) {
            String node = nodeOf(pod);
            if (node == null) {
                continue;
            }
            Pod other = byNode.get(node);
            if (other == null
                    || (other.getMetadata().getDeletionTimestamp() != null
                            && pod.getMetadata().getDeletionTimestamp() == null)) {
                byNode.put(node, pod);
            }
        }
        return byNode;
    }

    public static String nodeOf(Pod pod) {
        if (pod.getSpec() == null) {
            return null;
        }
        if (pod.getSpec().getNodeName() != null) {
            return pod.getSpec().getNodeName();
        }
        var affinity = pod.getSpec().getAffinity();
        if (affinity == null
                || affinity.getNodeAffinity() == null
                || affinity.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() == null) {
            return null;
        }
        for (NodeSelectorTerm term : affinity.getNodeAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution()
                .getNodeSelectorTerms()) {
            if (term.getMatchFields() == null) {
                continue;
            }
            for (NodeSelectorRequirement field : term.getMatchFields()) {
                if ("metadata.name".equals(field.getKey())
                        && field.getValues() != null
                        && field.getValues().size() == 1) {
                    return field.getValues().getFirst();
                }
            }
        }
        return null;
    }
}
