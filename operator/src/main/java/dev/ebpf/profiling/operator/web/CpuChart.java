package dev.ebpf.profiling.operator.web;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * The job page's line chart, drawn on the server as inline SVG (no script, no network): the busiest
 * applications' CPU% over the slices kept, one point per slice, evenly spaced and labelled with the
 * slice's start. Each point links to its slice's row in the table below, so the chart is the way to
 * play the job back slice by slice.
 */
final class CpuChart {

    static final int WIDTH = 960;
    static final int HEIGHT = 300;
    private static final int LEFT = 52;
    private static final int RIGHT = 40;
    private static final int TOP = 14;
    private static final int BOTTOM = 40;
    private static final int Y_TICKS = 5;
    /** More time labels than this overlap at this width. */
    private static final int MAX_X_LABELS = 10;

    private static final double POINT_RADIUS = 3.5;
    /** Tableau 10: distinct on white and for common colour blindness. */
    private static final List<String> COLOURS =
            List.of("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7");

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

    private CpuChart() {}

    /** The chart and its legend, as HTML; a sentence instead when there is nothing to draw. */
    static String render(List<SliceRow> slices, List<CpuSeries> series) {
        if (slices.isEmpty() || series.isEmpty()) {
            return "<p class=\"muted\" id=\"no-chart\">No application CPU to chart yet: no slice kept has one.</p>\n";
        }
        double top = axisTop(series);
        StringBuilder svg = new StringBuilder(4096);
        svg.append("<svg id=\"cpu-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                .append(WIDTH)
                .append("\" height=\"")
                .append(HEIGHT)
                .append("\" viewBox=\"0 0 ")
                .append(WIDTH)
                .append(' ')
                .append(HEIGHT)
                .append("\" role=\"img\" aria-label=\"CPU% of the busiest applications per slice\">\n");
        for (int tick = 0; tick <= Y_TICKS; tick++) {
            double value = top * tick / Y_TICKS;
            String y = num(y(value, top));
            svg.append("<line x1=\"")
                    .append(LEFT)
                    .append("\" x2=\"")
                    .append(WIDTH - RIGHT)
                    .append("\" y1=\"")
                    .append(y)
                    .append("\" y2=\"")
                    .append(y)
                    .append("\" stroke=\"")
                    .append(tick == 0 ? "#888" : "#e4e4e4")
                    .append("\"/><text x=\"")
                    .append(LEFT - 6)
                    .append("\" y=\"")
                    .append(y)
                    .append("\" dy=\"4\" text-anchor=\"end\">")
                    .append(num(value))
                    .append("%</text>\n");
        }
        int every = Math.max(1, (int) Math.ceil(slices.size() / (double) MAX_X_LABELS));
        for (int i = 0; i < slices.size(); i += every) {
            svg.append("<text class=\"x-label\" x=\"")
                    .append(num(x(i, slices.size())))
                    .append("\" y=\"")
                    .append(HEIGHT - BOTTOM + 16)
                    .append("\" text-anchor=\"middle\">")
                    .append(Html.text(time(slices.get(i))))
                    .append("</text>\n");
        }
        svg.append("<text x=\"")
                .append(LEFT + (WIDTH - LEFT - RIGHT) / 2)
                .append("\" y=\"")
                .append(HEIGHT - 6)
                .append("\" text-anchor=\"middle\">slice start (UTC)</text>\n");
        for (int s = 0; s < series.size(); s++) {
            CpuSeries line = series.get(s);
            String colour = COLOURS.get(s % COLOURS.size());
            String application = Html.text(line.application());
            svg.append("<g class=\"series\" data-application=\"")
                    .append(application)
                    .append("\">\n<polyline fill=\"none\" stroke=\"")
                    .append(colour)
                    .append("\" stroke-width=\"2\" points=\"");
            for (int i = 0; i < slices.size(); i++) {
                svg.append(i == 0 ? "" : " ")
                        .append(num(x(i, slices.size())))
                        .append(',')
                        .append(num(y(line.cpuPercent().get(i), top)));
            }
            svg.append("\"/>\n");
            for (int i = 0; i < slices.size(); i++) {
                double value = line.cpuPercent().get(i);
                SliceRow slice = slices.get(i);
                svg.append("<a href=\"#slice-")
                        .append(Html.text(slice.id()))
                        .append("\"><circle cx=\"")
                        .append(num(x(i, slices.size())))
                        .append("\" cy=\"")
                        .append(num(y(value, top)))
                        .append("\" r=\"")
                        .append(POINT_RADIUS)
                        .append("\" fill=\"")
                        .append(colour)
                        .append("\" data-slice=\"")
                        .append(Html.text(slice.id()))
                        .append("\" data-cpu=\"")
                        .append(num(value))
                        .append("\"><title>")
                        .append(application)
                        .append(": ")
                        .append(num(value))
                        .append("% CPU, slice ")
                        .append(Html.text(time(slice)))
                        .append("</title></circle></a>\n");
            }
            svg.append("</g>\n");
        }
        svg.append("</svg>\n<ul class=\"legend\" id=\"legend\">\n");
        for (int s = 0; s < series.size(); s++) {
            svg.append("<li><span class=\"swatch\" style=\"background:")
                    .append(COLOURS.get(s % COLOURS.size()))
                    .append("\"></span>")
                    .append(Html.text(series.get(s).application()))
                    .append("</li>\n");
        }
        return svg.append("</ul>\n").toString();
    }

    /** The slice's start as HH:mm:ss UTC, or its label when no node gave a start. */
    static String time(SliceRow slice) {
        Instant start = slice.start();
        return start == null ? slice.id() : TIME.format(start);
    }

    /** The y axis's top: the highest value rounded up to a multiple of 10, at least 10. */
    static double axisTop(List<CpuSeries> series) {
        double highest = series.stream()
                .flatMap(s -> s.cpuPercent().stream())
                .mapToDouble(Double::doubleValue)
                .max()
                .orElse(0);
        return Math.max(10, Math.ceil(highest / 10) * 10);
    }

    private static double x(int index, int count) {
        double width = WIDTH - LEFT - RIGHT;
        return count == 1 ? LEFT + width / 2 : LEFT + width * index / (count - 1);
    }

    private static double y(double value, double top) {
        double height = HEIGHT - TOP - BOTTOM;
        return HEIGHT - BOTTOM - height * value / top;
    }

    private static String num(double value) {
        String text = String.format(Locale.ROOT, "%.1f", value);
        return text.endsWith(".0") ? text.substring(0, text.length() - 2) : text;
    }
}
