package dev.ebpf.profiling.operator.web;

import dev.ebpf.profiling.api.flamegraph.FlameGraphKind;
import dev.ebpf.profiling.api.job.AgentContract;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The folded stacks a result ConfigMap can hold, each its own flame graph page: the window's on-
 * and off-CPU stacks and, for a triggered window, the on-CPU stacks of the low-rate slices kept
 * from before the firing (drawn like on-CPU, since that is what they are).
 */
enum StackSet {
    ON_CPU(
            FlameGraphKind.ON_CPU.id(),
            FlameGraphKind.ON_CPU,
            AgentContract.RESULT_ON_CPU_STACKS_KEY,
            FlameGraphKind.ON_CPU.defaultTitle(),
            "on-CPU"),
    OFF_CPU(
            FlameGraphKind.OFF_CPU.id(),
            FlameGraphKind.OFF_CPU,
            AgentContract.RESULT_OFF_CPU_STACKS_KEY,
            FlameGraphKind.OFF_CPU.defaultTitle(),
            "off-CPU"),
    PRE_TRIGGER(
            "pre-trigger",
            FlameGraphKind.ON_CPU,
            AgentContract.RESULT_HISTORY_STACKS_KEY,
            FlameGraphKind.ON_CPU.defaultTitle() + " before the trigger",
            "before trigger");

    private final String id;
    private final FlameGraphKind kind;
    private final String key;
    private final String title;
    private final String linkText;

    StackSet(String id, FlameGraphKind kind, String key, String title, String linkText) {
        this.id = id;
        this.kind = kind;
        this.key = key;
        this.title = title;
        this.linkText = linkText;
    }

    /** The URL segment and the link's class. */
    String id() {
        return id;
    }

    /** The renderer's kind: colours and unit. */
    FlameGraphKind kind() {
        return kind;
    }

    /** The result ConfigMap's binaryData key. */
    String key() {
        return key;
    }

    String title() {
        return title;
    }

    String linkText() {
        return linkText;
    }

    static Optional<StackSet> byId(String id) {
        return Arrays.stream(values()).filter(s -> s.id.equals(id)).findFirst();
    }

    /** {@code on-cpu, off-cpu and pre-trigger}, for a message. */
    static String ids() {
        String all = Arrays.stream(values()).map(StackSet::id).collect(Collectors.joining(", "));
        int last = all.lastIndexOf(", ");
        return all.substring(0, last) + " and " + all.substring(last + 2);
    }
}
