package dev.ebpf.profiling.api.flamegraph;

import java.util.Objects;

/**
 * How a flame graph is presented.
 *
 * @param kind     on-CPU or off-CPU (colour scheme and default title)
 * @param title    the heading
 * @param subtitle a second line (job, node, slice), may be empty
 * @param unit     what the counts are, e.g. {@code samples}
 * @param width    the drawing's width in pixels
 */
public record FlameGraphOptions(FlameGraphKind kind, String title, String subtitle, String unit, int width) {

    public static final int DEFAULT_WIDTH = 1200;
    private static final int MIN_WIDTH = 200;

    public FlameGraphOptions {
        Objects.requireNonNull(kind, "flame graph kind is missing");
        title = title == null || title.isBlank() ? kind.defaultTitle() : title;
        subtitle = subtitle == null ? "" : subtitle;
        unit = unit == null || unit.isBlank() ? "samples" : unit;
        if (width < MIN_WIDTH) {
            throw new IllegalArgumentException("flame graph width must be at least " + MIN_WIDTH + " px, got " + width);
        }
    }

    /** Default title, no subtitle, samples, 1200 px. */
    public static FlameGraphOptions of(FlameGraphKind kind) {
        return new FlameGraphOptions(kind, null, null, null, DEFAULT_WIDTH);
    }

    public FlameGraphOptions withTitle(String newTitle, String newSubtitle) {
        return new FlameGraphOptions(kind, newTitle, newSubtitle, unit, width);
    }
}
