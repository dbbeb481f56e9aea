package dev.ebpf.profiling.operator.validate;

import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/** A CPU list such as {@code 0,2-3}: the spec's {@code cpus}. */
public final class CpuList {

    private CpuList() {}

    /**
     * The CPUs of a list.
     *
     * @throws IllegalArgumentException with a one-line message naming the bad part
     */
    public static SortedSet<Integer> parse(String list) {
        if (list == null || list.isBlank()) {
            throw new IllegalArgumentException("cpus is empty");
        }
        SortedSet<Integer> cpus = new TreeSet<>();
        for (String part : list.split(",", -1)) {
            String[] bounds = part.split("-", -1);
            if (bounds.length > 2) {
                throw new IllegalArgumentException("cpus '" + list + "': '" + part + "' is not a CPU or a range");
            }
            int first = number(list, bounds[0]);
            int last = bounds.length == 2 ? number(list, bounds[1]) : first;
            if (last < first) {
                throw new IllegalArgumentException("cpus '" + list + "': range " + part + " runs backwards");
            }
            for (int cpu = first; cpu <= last; cpu++) {
                if (!cpus.add(cpu)) {
                    throw new IllegalArgumentException("cpus '" + list + "': CPU " + cpu + " is listed twice");
                }
            }
        }
        return Collections.unmodifiableSortedSet(cpus);
    }

    private static int number(String list, String text) {
        if (text.isEmpty() || !text.chars().allMatch(Character::isDigit) || text.length() > 5) {
            throw new IllegalArgumentException("cpus '" + list + "': '" + text + "' is not a CPU number");
        }
        return Integer.parseInt(text);
    }
}
