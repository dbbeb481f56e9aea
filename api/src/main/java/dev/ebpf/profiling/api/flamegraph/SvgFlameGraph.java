package dev.ebpf.profiling.api.flamegraph;

import java.util.List;
import java.util.Locale;

/**
 * A static SVG flame graph (for {@code node-agent profile --format svg}): no script, each box with
 * a {@code <title>} tooltip giving its samples and share, the root at the bottom.
 */
public final class SvgFlameGraph {

    static final int FRAME_HEIGHT = 16;
    static final int FONT_SIZE = 12;
    /** Average glyph width of the 12 px font, to decide how much of a name fits in a box. */
    static final double CHAR_WIDTH = 7.0;
    /** Boxes narrower than this are left out: they cannot be seen or pointed at. */
    static final double MIN_FRAME_PX = 0.5;

    private static final int SIDE_PAD = 10;
    private static final int TOP_PAD = 50;
    private static final int BOTTOM_PAD = 10;
    private static final int TEXT_INSET = 3;

    private SvgFlameGraph() {}

    public static String render(FlameNode root, FlameGraphOptions options) {
        double drawable = options.width() - 2.0 * SIDE_PAD;
        long total = Math.max(1, root.samples());
        double pxPerSample = drawable / total;
        long minSamples = (long) Math.ceil(MIN_FRAME_PX / pxPerSample);
        List<FlameFrame> frames = FlameLayout.layout(root, minSamples);
        int levels = FlameLayout.maxDepth(root) + 1;
        int height = TOP_PAD + levels * FRAME_HEIGHT + BOTTOM_PAD;

        StringBuilder svg = new StringBuilder(256 + frames.size() * 200);
        svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                .append("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"")
                .append(options.width())
                .append("\" height=\"")
                .append(height)
                .append("\" viewBox=\"0 0 ")
                .append(options.width())
                .append(' ')
                .append(height)
                .append("\" data-kind=\"")
                .append(options.kind().id())
                .append("\">\n")
                .append("<style>text{font-family:Verdana,Arial,sans-serif;font-size:")
                .append(FONT_SIZE)
                .append("px;fill:#000}.title{font-size:17px}.subtitle{fill:#555}</style>\n")
                .append("<rect width=\"100%\" height=\"100%\" fill=\"#f8f8f8\"/>\n")
                .append("<text class=\"title\" x=\"")
                .append(options.width() / 2)
                .append("\" y=\"22\" text-anchor=\"middle\">")
                .append(Markup.xml(options.title()))
                .append("</text>\n");
        if (!options.subtitle().isEmpty()) {
            svg.append("<text class=\"subtitle\" x=\"")
                    .append(options.width() / 2)
                    .append("\" y=\"40\" text-anchor=\"middle\">")
                    .append(Markup.xml(options.subtitle()))
                    .append("</text>\n");
        }
        for (FlameFrame frame : frames) {
            double x = SIDE_PAD + frame.start() * pxPerSample;
            double w = frame.samples() * pxPerSample;
            int y = height - BOTTOM_PAD - (frame.depth() + 1) * FRAME_HEIGHT;
            String name = Markup.xml(frame.name());
            svg.append("<g><title>")
                    .append(name)
                    .append(" (")
                    .append(describe(frame.samples(), total, options.unit()))
                    .append(")</title>")
                    .append("<rect x=\"")
                    .append(px(x))
                    .append("\" y=\"")
                    .append(y)
                    .append("\" width=\"")
                    .append(px(w))
                    .append("\" height=\"")
                    .append(FRAME_HEIGHT - 1)
                    .append("\" fill=\"")
                    .append(options.kind().color(frame.name()))
                    .append("\" rx=\"2\"/>");
            String label = fit(frame.name(), w);
            if (!label.isEmpty()) {
                svg.append("<text x=\"")
                        .append(px(x + TEXT_INSET))
                        .append("\" y=\"")
                        .append(y + FRAME_HEIGHT - 4)
                        .append("\">")
                        .append(Markup.xml(label))
                        .append("</text>");
            }
            svg.append("</g>\n");
        }
        return svg.append("</svg>\n").toString();
    }

    /** {@code 1,234 samples, 12.34%}. */
    static String describe(long samples, long total, String unit) {
        return String.format(Locale.ROOT, "%,d %s, %.2f%%", samples, unit, 100.0 * samples / total);
    }

    /** As much of the name as fits in a box {@code widthPx} wide, ".." marking a cut; empty if under 3 chars fit. */
    static String fit(String name, double widthPx) {
        int chars = (int) ((widthPx - 2 * TEXT_INSET) / CHAR_WIDTH);
        if (chars < 3) {
            return "";
        }
        return name.length() <= chars ? name : name.substring(0, chars - 2) + "..";
    }

    private static String px(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }
}
