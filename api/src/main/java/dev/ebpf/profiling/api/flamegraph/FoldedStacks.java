package dev.ebpf.profiling.api.flamegraph;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;

/**
 * Reads folded stacks ({@code root;caller;leaf 12}, one stack per line, the count after the last
 * space) into a merged call tree. Empty lines are skipped; anything else that is not a stack is an
 * error naming the line, never silently dropped.
 */
public final class FoldedStacks {

    /** The name of the tree's root, which spans every sample. */
    public static final String ROOT_NAME = "all";
    /** Ends a kernel frame's name (flamegraph.pl's convention), so it can be coloured apart. */
    public static final String KERNEL_SUFFIX = "_[k]";

    private static final String SEPARATOR = ";";

    private FoldedStacks() {}

    public static FlameNode parse(String text) {
        return parse(new StringReader(text));
    }

    /**
     * @throws IllegalArgumentException naming the line if one is not {@code frames count}
     */
    public static FlameNode parse(Reader in) {
        FlameNode root = new FlameNode(ROOT_NAME);
        BufferedReader lines = new BufferedReader(in);
        int lineNumber = 0;
        try {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                addLine(root, line.strip(), lineNumber);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read folded stacks: " + e.getMessage(), e);
        }
        return root;
    }

    private static void addLine(FlameNode root, String line, int lineNumber) {
        int space = line.lastIndexOf(' ');
        if (space <= 0) {
            throw new IllegalArgumentException("folded stacks line " + lineNumber
                    + ": expected 'frame;frame;... count', got '" + abbreviate(line) + "'");
        }
        long count;
        try {
            count = Long.parseLong(line.substring(space + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "folded stacks line " + lineNumber + ": count '" + abbreviate(line.substring(space + 1))
                            + "' is not a whole number",
                    e);
        }
        if (count < 0) {
            throw new IllegalArgumentException("folded stacks line " + lineNumber + ": negative count " + count);
        }
        String[] frames = line.substring(0, space).strip().split(SEPARATOR, -1);
        for (String frame : frames) {
            if (frame.isEmpty()) {
                throw new IllegalArgumentException(
                        "folded stacks line " + lineNumber + ": empty frame name in '" + abbreviate(line) + "'");
            }
        }
        root.add(frames, count);
    }

    private static String abbreviate(String text) {
        int max = 80;
        return text.length() <= max ? text : text.substring(0, max) + "...";
    }
}
