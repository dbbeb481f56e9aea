package dev.ebpf.profiling.operator.status;

import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Sets conditions the API-conventions way: lastTransitionTime moves only when the status flips. */
public final class Conditions {

    private Conditions() {}

    public static void set(
            List<Condition> conditions,
            String type,
            boolean status,
            String reason,
            String message,
            long generation,
            Instant now) {
        String value = status ? "True" : "False";
        Optional<Condition> old = find(conditions, type);
        String since = old.filter(c -> value.equals(c.getStatus()))
                .map(Condition::getLastTransitionTime)
                .orElse(now.toString());
        conditions.removeIf(c -> type.equals(c.getType()));
        conditions.add(new ConditionBuilder()
                .withType(type)
                .withStatus(value)
                .withReason(reason)
                .withMessage(capped(message))
                .withObservedGeneration(generation)
                .withLastTransitionTime(since)
                .build());
    }

    /**
     * A message as the status and Events hold it: at most {@link ProfilingJobStatus#MESSAGE_MAX}
     * characters, so a message built from many nodes' errors cannot grow the status.
     */
    public static String capped(String message) {
        int max = ProfilingJobStatus.MESSAGE_MAX;
        return message == null || message.length() <= max ? message : message.substring(0, max - 3) + "...";
    }

    public static void remove(List<Condition> conditions, String type) {
        conditions.removeIf(c -> type.equals(c.getType()));
    }

    public static Optional<Condition> find(List<Condition> conditions, String type) {
        return conditions == null
                ? Optional.empty()
                : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    public static boolean isTrue(List<Condition> conditions, String type) {
        return find(conditions, type).map(c -> "True".equals(c.getStatus())).orElse(false);
    }
}
