package dev.ebpf.profiling.api.job;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A sorted set of distinct CPU numbers in the kernel's list syntax ({@code "0,2-3"}), as used by
 * a ProfilingJob's {@code cpus}, the agent's {@code --cpus} and {@code /sys/devices/system/cpu/online}:
 * one parser for the operator's validation and the agent, so both refuse the same lists.
 *
 * <p>{@link #toString()} gives the canonical form: ascending, consecutive CPUs joined into ranges.
 */
public final class CpuList {

    /** Linux's largest configurable NR_CPUS; bounds a range so "0-2000000000" cannot exhaust memory. */
    static final int MAX_CPUS = 8192;

    private final List<Integer> cpus;

    private CpuList(Collection<Integer> cpus) {
        this.cpus = List.copyOf(new TreeSet<>(cpus));
    }

    /** A list of the given CPUs (any order, duplicates dropped); each must be in [0, 8192). */
    public static CpuList of(Collection<Integer> cpus) {
        for (int cpu : cpus) {
            checkBounds(cpu, String.valueOf(cpu));
        }
        return new CpuList(cpus);
    }

    /**
     * Parses the list syntax: comma-separated CPU numbers and inclusive ranges {@code a-b}.
     *
     * @throws IllegalArgumentException with a one-line message on empty items, non-numbers,
     *     negative numbers or reversed ranges
     */
    public static CpuList parse(String text) {
        return parse(text, false);
    }

    /**
     * As {@link #parse}, and a CPU given twice ({@code 0,0}, {@code 0-2,1}) is refused too: for a
     * list a person typed (a ProfilingJob's {@code cpus}), where a repeat is a typo worth a word.
     */
    public static CpuList parseStrict(String text) {
        return parse(text, true);
    }

    private static CpuList parse(String text, boolean refuseRepeats) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty CPU list: expected e.g. 0,2-3");
        }
        TreeSet<Integer> cpus = new TreeSet<>();
        for (String item : text.strip().split(",", -1)) {
            addItem(item.strip(), text.strip(), cpus, refuseRepeats);
        }
        return new CpuList(cpus);
    }

    /**
     * Parses {@code text} and checks that every CPU is in {@code online}.
     *
     * @throws IllegalArgumentException as {@link #parse}, or {@code unknown CPU 7: this node's
     *     online CPUs are 0-1}
     */
    public static CpuList parseWithin(String text, CpuList online) {
        CpuList selected = parse(text);
        for (int cpu : selected.cpus) {
            if (!online.contains(cpu)) {
                throw new IllegalArgumentException("unknown CPU " + cpu + ": this node's online CPUs are " + online);
            }
        }
        return selected;
    }

    private static void addItem(String item, String whole, Set<Integer> cpus, boolean refuseRepeats) {
        if (item.isEmpty()) {
            throw new IllegalArgumentException("bad CPU list '" + whole + "': empty item");
        }
        int dash = item.indexOf('-', 1); // from 1, so "-1" reads as a (negative) number
        if (dash < 0) {
            add(number(item, whole), whole, cpus, refuseRepeats);
            return;
        }
        int first = number(item.substring(0, dash), whole);
        int last = number(item.substring(dash + 1), whole);
        if (last < first) {
            throw new IllegalArgumentException("bad CPU list '" + whole + "': range " + item + " is reversed");
        }
        for (int cpu = first; cpu <= last; cpu++) {
            add(cpu, whole, cpus, refuseRepeats);
        }
    }

    private static void add(int cpu, String whole, Set<Integer> cpus, boolean refuseRepeats) {
        if (!cpus.add(cpu) && refuseRepeats) {
            throw new IllegalArgumentException("bad CPU list '" + whole + "': CPU " + cpu + " is listed twice");
        }
    }

    private static int number(String text, String whole) {
        if (text.startsWith("-")) {
            throw new IllegalArgumentException(
                    "bad CPU list '" + whole + "': CPU numbers cannot be negative (" + text + ")");
        }
        if (text.isEmpty() || !text.chars().allMatch(c -> c >= '0' && c <= '9') || text.length() > 9) {
            throw new IllegalArgumentException(
                    "bad CPU list '" + whole + "': '" + text + "' is not a CPU number (expected e.g. 0,2-3)");
        }
        int cpu = Integer.parseInt(text);
        checkBounds(cpu, whole);
        return cpu;
    }

    private static void checkBounds(int cpu, String whole) {
        if (cpu < 0 || cpu >= MAX_CPUS) {
            throw new IllegalArgumentException(
                    "bad CPU list '" + whole + "': CPU " + cpu + " is outside 0-" + (MAX_CPUS - 1));
        }
    }

    /** The CPUs, ascending and distinct. */
    public List<Integer> cpus() {
        return cpus;
    }

    public int size() {
        return cpus.size();
    }

    public boolean contains(int cpu) {
        return cpus.contains(cpu);
    }

    /** Canonical list syntax, e.g. {@code 0,2-3}. */
    @Override
    public String toString() {
        List<String> items = new ArrayList<>();
        int i = 0;
        while (i < cpus.size()) {
            int first = cpus.get(i);
            int last = first;
            while (i + 1 < cpus.size() && cpus.get(i + 1) == last + 1) {
                last = cpus.get(++i);
            }
            items.add(first == last ? Integer.toString(first) : first + "-" + last);
            i++;
        }
        return String.join(",", items);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CpuList list && list.cpus.equals(cpus);
    }

    @Override
    public int hashCode() {
        return cpus.hashCode();
    }
}
