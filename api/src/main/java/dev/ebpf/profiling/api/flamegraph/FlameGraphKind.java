package dev.ebpf.profiling.api.flamegraph;

/**
 * On-CPU or off-CPU: the same renderer, with its own default title and colour scheme (warm for
 * on-CPU, blue for off-CPU, as flamegraph.pl does), so the two are never mistaken for each other.
 * Kernel frames (names ending in {@link FoldedStacks#KERNEL_SUFFIX}) get a contrasting hue in both.
 */
public enum FlameGraphKind {
    ON_CPU("on-cpu", "On-CPU flame graph"),
    OFF_CPU("off-cpu", "Off-CPU flame graph");

    private final String id;
    private final String defaultTitle;

    FlameGraphKind(String id, String defaultTitle) {
        this.id = id;
        this.defaultTitle = defaultTitle;
    }

    /** The kind's name in the output: {@code data-kind} of the page and the SVG, {@code kind} of the page's data. */
    public String id() {
        return id;
    }

    public String defaultTitle() {
        return defaultTitle;
    }

    /**
     * The fill colour of a frame, {@code rgb(r,g,b)}: a hash of the name picks the shade, so a
     * function has the same colour in every graph, static or interactive.
     */
    public String color(String frameName) {
        int hash = fnv1a(frameName);
        double v1 = (hash & 0xff) / 255.0;
        double v2 = ((hash >>> 8) & 0xff) / 255.0;
        double v3 = ((hash >>> 16) & 0xff) / 255.0;
        boolean kernel = frameName.endsWith(FoldedStacks.KERNEL_SUFFIX);
        return switch (this) {
            case ON_CPU -> kernel ? rgb(190 + 65 * v1, 90 + 65 * v1, 0) : rgb(205 + 50 * v3, 230 * v1, 55 * v2);
            case OFF_CPU ->
                kernel
                        ? rgb(50 + 60 * v1, 165 + 55 * v1, 165 + 55 * v1)
                        : rgb(80 + 60 * v1, 80 + 60 * v1, 190 + 55 * v2);
        };
    }

    /** 32-bit FNV-1a over the name's UTF-16 code units. */
    private static int fnv1a(String text) {
        int hash = 0x811c9dc5;
        for (int i = 0; i < text.length(); i++) {
            hash ^= text.charAt(i);
            hash *= 0x01000193;
        }
        return hash;
    }

    private static String rgb(double r, double g, double b) {
        return "rgb(" + (int) r + "," + (int) g + "," + (int) b + ")";
    }
}
