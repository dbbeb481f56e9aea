package dev.ebpf.profiling.api.flamegraph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class SvgFlameGraphTest {

    /** Names a binary or JIT map can really produce, and ones crafted to break out of markup. */
    static final String CPP_OPERATOR = "std::operator<<(std::ostream&, char const*)";

    static final String BREAKOUT = "x\"/><script>alert('svg')</script><g a='";
    static final String CONTROL = "jit\u0001stub\u0007";

    @Test
    void boxWidthsAreProportionalToSampleCounts() throws Exception {
        Document svg = parse(SvgFlameGraph.render(
                FoldedStacks.parse("app;a 30\napp;b 10\n"), FlameGraphOptions.of(FlameGraphKind.ON_CPU)));

        double all = width(svg, "all");
        assertThat(width(svg, "app")).isCloseTo(all, within(0.01));
        assertThat(width(svg, "a")).isCloseTo(all * 30 / 40, within(0.01));
        assertThat(width(svg, "b")).isCloseTo(all * 10 / 40, within(0.01));
        assertThat(all).isCloseTo(FlameGraphOptions.DEFAULT_WIDTH - 20.0, within(0.01));
    }

    @Test
    void eachBoxHasATooltipWithSamplesAndShare() throws Exception {
        Document svg = parse(SvgFlameGraph.render(
                FoldedStacks.parse("app;a 3000\napp;b 1000\n"), FlameGraphOptions.of(FlameGraphKind.ON_CPU)));

        assertThat(titles(svg))
                .contains("a (3,000 samples, 75.00%)", "b (1,000 samples, 25.00%)", "all (4,000 samples, 100.00%)");
    }

    @Test
    void dangerousNamesAreEscapedAndTheSvgStillParses() throws Exception {
        String folded = "app;" + CPP_OPERATOR.replace(' ', '_') + " 5\napp;" + BREAKOUT + " 5\napp;" + CONTROL + " 5\n";
        FlameGraphOptions options = FlameGraphOptions.of(FlameGraphKind.ON_CPU).withTitle("<b>&title</b>", "a\"b");

        String text = SvgFlameGraph.render(FoldedStacks.parse(folded), options);
        Document svg = parse(text);

        assertThat(svg.getElementsByTagNameNS("*", "script").getLength()).isZero();
        assertThat(titles(svg))
                .contains(
                        CPP_OPERATOR.replace(' ', '_') + " (5 samples, 33.33%)",
                        BREAKOUT + " (5 samples, 33.33%)",
                        "jit\uFFFDstub\uFFFD (5 samples, 33.33%)");
        assertThat(text).contains("&lt;b&gt;&amp;title&lt;/b&gt;", "a&quot;b");
    }

    @Test
    void offCpuHasItsOwnTitleAndBlueColours() throws Exception {
        Document svg = parse(SvgFlameGraph.render(
                FoldedStacks.parse("app;futex_wait_[k] 5\napp;sleep 5\n"),
                FlameGraphOptions.of(FlameGraphKind.OFF_CPU)));

        assertThat(svg.getDocumentElement().getAttribute("data-kind")).isEqualTo("off-cpu");
        assertThat(svg.getDocumentElement().getTextContent()).contains("Off-CPU flame graph");
        int[] user = rgb(fill(svg, "sleep"));
        assertThat(user[2]).isGreaterThan(user[0]).isGreaterThan(user[1]);
        assertThat(fill(svg, "futex_wait_[k]")).isNotEqualTo(fill(svg, "sleep"));
    }

    @Test
    void coloursAreStableAndInTheWarmRangeForOnCpu() {
        String first = FlameGraphKind.ON_CPU.color("do_syscall_64");
        assertThat(FlameGraphKind.ON_CPU.color("do_syscall_64")).isEqualTo(first);
        for (String name : List.of("a", "main", "java.lang.Thread.run", CPP_OPERATOR)) {
            int[] c = rgb(FlameGraphKind.ON_CPU.color(name));
            assertThat(c[0]).isBetween(205, 255);
            assertThat(c[1]).isBetween(0, 230);
            assertThat(c[2]).isBetween(0, 55);
        }
    }

    @Test
    void labelsAreCutToFitTheirBox() {
        assertThat(SvgFlameGraph.fit("short", 100)).isEqualTo("short");
        assertThat(SvgFlameGraph.fit("a_rather_long_function_name", 76)).isEqualTo("a_rather..");
        assertThat(SvgFlameGraph.fit("anything", 20)).isEmpty();
    }

    static Document parse(String xml) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<String> titles(Document svg) {
        NodeList nodes = svg.getElementsByTagNameNS("*", "title");
        List<String> titles = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            titles.add(nodes.item(i).getTextContent());
        }
        return titles;
    }

    private static Element rectOf(Document svg, String frameName) {
        NodeList groups = svg.getElementsByTagNameNS("*", "g");
        for (int i = 0; i < groups.getLength(); i++) {
            Element g = (Element) groups.item(i);
            String title = g.getElementsByTagNameNS("*", "title").item(0).getTextContent();
            if (title.startsWith(frameName + " (")) {
                return (Element) g.getElementsByTagNameNS("*", "rect").item(0);
            }
        }
        throw new AssertionError("no frame " + frameName);
    }

    private static double width(Document svg, String frameName) {
        return Double.parseDouble(rectOf(svg, frameName).getAttribute("width"));
    }

    private static String fill(Document svg, String frameName) {
        return rectOf(svg, frameName).getAttribute("fill");
    }

    private static int[] rgb(String color) {
        String[] parts = color.substring("rgb(".length(), color.length() - 1).split(",");
        return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2])};
    }
}
