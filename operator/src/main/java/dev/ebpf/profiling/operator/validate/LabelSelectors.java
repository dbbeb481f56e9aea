package dev.ebpf.profiling.operator.validate;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Label selector semantics (as in the API server), so the operator can match pods from its caches. */
public final class LabelSelectors {

    private LabelSelectors() {}

    /** Throws IllegalArgumentException with a one-line message when a requirement is malformed. */
    public static void check(LabelSelector selector) {
        for (LabelSelectorRequirement r : requirements(selector)) {
            List<String> values = r.getValues() == null ? List.of() : r.getValues();
            switch (r.getOperator() == null ? "" : r.getOperator()) {
                case "In", "NotIn" -> {
                    if (values.isEmpty()) {
                        throw new IllegalArgumentException(
                                "selector: " + r.getKey() + " " + r.getOperator() + " needs values");
                    }
                }
                case "Exists", "DoesNotExist" -> {
                    if (!values.isEmpty()) {
                        throw new IllegalArgumentException(
                                "selector: " + r.getKey() + " " + r.getOperator() + " takes no values");
                    }
                }
                default ->
                    throw new IllegalArgumentException("selector: operator '" + r.getOperator() + "' of key "
                            + r.getKey() + " is not In, NotIn, Exists or DoesNotExist");
            }
        }
    }

    /** Whether the labels match; an empty selector matches everything. */
    public static boolean matches(LabelSelector selector, Map<String, String> labels) {
        Map<String, String> have = labels == null ? Map.of() : labels;
        if (selector.getMatchLabels() != null) {
            for (var wanted : selector.getMatchLabels().entrySet()) {
                if (!wanted.getValue().equals(have.get(wanted.getKey()))) {
                    return false;
                }
            }
        }
        for (LabelSelectorRequirement r : requirements(selector)) {
            String value = have.get(r.getKey());
            boolean ok = switch (r.getOperator()) {
                case "In" -> value != null && r.getValues().contains(value);
                case "NotIn" -> value == null || !r.getValues().contains(value);
                case "Exists" -> have.containsKey(r.getKey());
                case "DoesNotExist" -> !have.containsKey(r.getKey());
                default -> false;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** The selector as kubectl shows it, for messages: {@code app=web,tier in (a,b)}. */
    public static String describe(LabelSelector selector) {
        var parts = new java.util.ArrayList<String>();
        if (selector.getMatchLabels() != null) {
            selector.getMatchLabels().forEach((k, v) -> parts.add(k + "=" + v));
        }
        for (LabelSelectorRequirement r : requirements(selector)) {
            String values = r.getValues() == null || r.getValues().isEmpty()
                    ? ""
                    : r.getValues().stream().collect(Collectors.joining(",", " (", ")"));
            parts.add(r.getKey() + " " + r.getOperator() + values);
        }
        return parts.isEmpty() ? "(everything)" : String.join(",", parts);
    }

    private static List<LabelSelectorRequirement> requirements(LabelSelector selector) {
        return selector.getMatchExpressions() == null ? List.of() : selector.getMatchExpressions();
    }
}
