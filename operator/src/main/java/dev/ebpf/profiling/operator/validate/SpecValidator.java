package dev.ebpf.profiling.operator.validate;

import dev.ebpf.profiling.api.job.CpuList;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.ObjectStoreSpec;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import dev.ebpf.profiling.api.job.SpecFormats;
import dev.ebpf.profiling.api.job.TriggerMetric;
import dev.ebpf.profiling.api.job.TriggerSpec;
import dev.ebpf.profiling.api.store.ObjectStoreDefinitions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The spec checks the operator makes before it schedules anything. They repeat the CRD's CEL rules
 * (a cluster may run an older CRD, and a refusal here is clearer than a crash later) and add what
 * the schema cannot say: CPU lists that parse, durations that are positive, node-wide jobs only in
 * the namespaces the cluster admin allows. Cluster state (pods, nodes) is {@link TargetResolver}'s.
 */
public final class SpecValidator {

    private static final Duration SHORTEST_SLICE = Duration.ofSeconds(1);

    /** A job naming a store the admin did not define. */
    public static final String OBJECT_STORE_UNKNOWN = "ObjectStoreUnknown";
    /** A job giving an endpoint, bucket, region or credentials: the admin's alone. */
    public static final String OBJECT_STORE_FIELDS_REFUSED = "ObjectStoreFieldsRefused";

    private final List<String> nodeWideNamespaces;
    private final ObjectStoreDefinitions objectStores;

    public SpecValidator(List<String> nodeWideNamespaces) {
        this(nodeWideNamespaces, ObjectStoreDefinitions.none());
    }

    /** @param objectStores the admin's stores, the only ones a job may name */
    public SpecValidator(List<String> nodeWideNamespaces, ObjectStoreDefinitions objectStores) {
        this.nodeWideNamespaces = List.copyOf(nodeWideNamespaces);
        this.objectStores = objectStores;
    }

    public Optional<Refusal> validate(ProfilingJobSpec spec, String namespace) {
        try {
            check(spec, namespace);
            return Optional.empty();
        } catch (Refused refused) {
            return Optional.of(refused.refusal);
        }
    }

    private void check(ProfilingJobSpec spec, String namespace) {
        if (spec == null || spec.mode == null) {
            throw refuse("ModeMissing", "spec.mode is required: general, trigger or filter");
        }
        if (spec.cpus != null) {
            parseOrRefuse("CpusInvalid", () -> CpuList.parseStrict(spec.cpus));
        }
        if (spec.selector != null) {
            parseOrRefuse("SelectorInvalid", () -> {
                LabelSelectors.check(spec.selector);
                return null;
            });
        }
        Duration duration =
                parseOrRefuse("DurationInvalid", () -> SpecFormats.parseDuration("duration", spec.effectiveDuration()));
        if (duration.compareTo(SHORTEST_SLICE) < 0) {
            throw refuse("DurationInvalid", "duration " + spec.effectiveDuration() + " is shorter than 1s");
        }
        if (spec.interval != null && spec.mode != Mode.GENERAL) {
            throw refuse("IntervalInvalid", "interval is only used in mode general");
        }
        if (spec.mode == Mode.GENERAL) {
            Duration interval = parseOrRefuse(
                    "IntervalInvalid", () -> SpecFormats.parseDuration("interval", spec.effectiveInterval()));
            if (interval.compareTo(duration) < 0) {
                throw refuse(
                        "IntervalInvalid",
                        "interval " + spec.effectiveInterval() + " is shorter than duration "
                                + spec.effectiveDuration());
            }
        }
        if (spec.mode == Mode.FILTER && spec.selector == null && spec.cpus == null) {
            throw refuse("FilterEmpty", "mode filter needs a selector, cpus, or both");
        }
        checkTrigger(spec);
        checkObjectStore(spec.output == null ? null : spec.output.objectStore);
        if (spec.nodeWide() && !nodeWideNamespaces.contains(namespace)) {
            throw refuse(
                    "NodeWideNotAllowed",
                    "a job without selector profiles every process on its nodes; namespace "
                            + namespace + " is not among the namespaces allowed to (Helm value nodeWideNamespaces: "
                            + (nodeWideNamespaces.isEmpty() ? "none" : String.join(", ", nodeWideNamespaces)) + ")");
        }
    }

    private static void checkTrigger(ProfilingJobSpec spec) {
        TriggerSpec trigger = spec.trigger;
        if (spec.mode != Mode.TRIGGER) {
            if (trigger != null) {
                throw refuse("TriggerInvalid", "spec.trigger is only used in mode trigger");
            }
            return;
        }
        if (trigger == null) {
            throw refuse("TriggerMissing", "mode trigger needs spec.trigger (metric, threshold)");
        }
        if (trigger.metric == null) {
            throw refuse("TriggerInvalid", "trigger.metric is required");
        }
        if (trigger.threshold == null || trigger.threshold < 0 || trigger.threshold > 100) {
            throw refuse(
                    "TriggerInvalid", "trigger.threshold must be a percentage from 0 to 100, not " + trigger.threshold);
        }
        if ((trigger.metric == TriggerMetric.CPU) != (trigger.cpu != null)) {
            throw refuse("TriggerInvalid", "trigger.cpu is needed with, and only with, trigger.metric cpu");
        }
        if (trigger.metric == TriggerMetric.POD_CPU && spec.selector == null) {
            throw refuse("TriggerInvalid", "trigger.metric pod-cpu needs a selector");
        }
        // The agent reads the metric once a second and gets these in whole seconds.
        Duration forDuration =
                parseOrRefuse("TriggerInvalid", () -> SpecFormats.parseDuration("trigger.for", trigger.effectiveFor()));
        Duration cooldown = parseOrRefuse(
                "TriggerInvalid", () -> SpecFormats.parseDuration("trigger.cooldown", trigger.effectiveCooldown()));
        if (forDuration.compareTo(SHORTEST_SLICE) < 0 || cooldown.compareTo(SHORTEST_SLICE) < 0) {
            throw refuse(
                    "TriggerInvalid",
                    "trigger.for " + trigger.effectiveFor() + " and trigger.cooldown " + trigger.effectiveCooldown()
                            + " must be at least 1s: the metric is read once a second");
        }
    }

    /**
     * A store is the admin's: a job names one and may add a prefix, nothing else. The CRD refuses
     * the admin's fields too; this catches jobs stored under an older CRD.
     */
    private void checkObjectStore(ObjectStoreSpec store) {
        if (store == null) {
            return;
        }
        if (store.setsAdminFields()) {
            throw refuse(
                    OBJECT_STORE_FIELDS_REFUSED, "spec.output.objectStore: " + ObjectStoreSpec.ADMIN_FIELDS_MESSAGE);
        }
        if (store.prefix != null && !store.prefix.matches(ObjectStoreSpec.PREFIX)) {
            throw refuse(
                    "ObjectStoreInvalid",
                    "objectStore.prefix '" + store.prefix + "' is not a key prefix (no leading '/',"
                            + " no empty segments)");
        }
        if (objectStores.find(store.name).isEmpty()) {
            List<String> known = objectStores.names();
            throw refuse(
                    OBJECT_STORE_UNKNOWN,
                    "spec.output.objectStore.name '" + store.name + "' is not one of the object stores the cluster"
                            + " admin defined (Helm values objectStores): "
                            + (known.isEmpty() ? "none are defined" : String.join(", ", known)));
        }
    }

    private static <T> T parseOrRefuse(String reason, java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw refuse(reason, e.getMessage());
        }
    }

    private static Refused refuse(String reason, String message) {
        return new Refused(new Refusal(reason, message));
    }

    /** Carries a refusal out of the nested checks; never leaves this class. */
    private static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private final transient Refusal refusal;

        Refused(Refusal refusal) {
            super(refusal.message(), null, false, false);
            this.refusal = refusal;
        }
    }
}
