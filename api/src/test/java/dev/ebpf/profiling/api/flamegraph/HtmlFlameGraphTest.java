package dev.ebpf.profiling.api.flamegraph;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class HtmlFlameGraphTest {

    private static final Pattern DATA =
            Pattern.compile("<script type=\"application/json\" id=\"flame-data\">(.*?)</script>", Pattern.DOTALL);

    @Test
    void theTreeTravelsAsJsonThatCannotCloseTheScriptElement() throws Exception {
        String breakout = "</script><script>alert(1)</script><!--";
        String folded = "app;" + breakout + " 3\napp;line\u2028sep 1\napp;" + SvgFlameGraphTest.CPP_OPERATOR + " 2\n";

        String page = HtmlFlameGraph.render(FoldedStacks.parse(folded), FlameGraphOptions.of(FlameGraphKind.ON_CPU));

        Matcher data = DATA.matcher(page);
        assertThat(data.find()).isTrue();
        String json = data.group(1);
        assertThat(json).doesNotContain("<", ">", "&", "\u2028");
        JsonNode document = new ObjectMapper().readTree(json);
        List<String> names = new ArrayList<>();
        document.get("names").forEach(n -> names.add(n.asText()));
        assertThat(names).contains(breakout, "line\u2028sep", SvgFlameGraphTest.CPP_OPERATOR, "app", "all");
        assertThat(page).doesNotContain("<script>alert(1)");
    }

    @Test
    void theTreeIsNamesOnceAndNestedCounts() throws Exception {
        JsonNode document = new ObjectMapper()
                .readTree(HtmlFlameGraph.data(
                        FoldedStacks.parse("app;f 2\napp;g;f 3\n"), FlameGraphOptions.of(FlameGraphKind.OFF_CPU)));

        assertThat(document.get("kind").asText()).isEqualTo("off-cpu");
        assertThat(document.get("unit").asText()).isEqualTo("samples");
        List<String> names = new ArrayList<>();
        document.get("names").forEach(n -> names.add(n.asText()));
        assertThat(names).containsExactlyInAnyOrder("all", "app", "f", "g");
        List<String> colors = new ArrayList<>();
        document.get("colors").forEach(c -> colors.add(c.asText()));
        assertThat(colors)
                .containsExactlyElementsOf(
                        names.stream().map(FlameGraphKind.OFF_CPU::color).toList());
        JsonNode root = document.get("root");
        assertThat(names.get(root.get(0).asInt())).isEqualTo("all");
        assertThat(root.get(1).asLong()).isEqualTo(5);
        JsonNode app = root.get(2).get(0);
        assertThat(app.get(1).asLong()).isEqualTo(5);
        assertThat(app.get(2)).hasSize(2);
    }

    @Test
    void thePageIsSelfContained() {
        String page = HtmlFlameGraph.render(
                FoldedStacks.parse("app;main 1\n"),
                FlameGraphOptions.of(FlameGraphKind.ON_CPU).withTitle("Job <web> & co", "node-1"));

        assertThat(page).doesNotContainPattern("(?i)\\s(src|href)\\s*=");
        assertThat(page).doesNotContainPattern("(?i)@import|url\\(");
        assertThat(page.replace("http://www.w3.org/2000/svg", "")).doesNotContain("http:", "https:");
        assertThat(page)
                .contains("<title>Job &lt;web&gt; &amp; co</title>", "<h1 id=\"title\">Job &lt;web&gt; &amp; co</h1>");
        assertThat(page).contains("id=\"search\"", "id=\"reset\"", "id=\"tooltip\"");
    }

    @Test
    void theInlinedScriptAndStyleCannotEndTheirElementsEarly() {
        String page = HtmlFlameGraph.render(FoldedStacks.parse("a 1\n"), FlameGraphOptions.of(FlameGraphKind.ON_CPU));

        assertThat(page.split("</script>", -1)).hasSize(3);
        assertThat(page.split("</style>", -1)).hasSize(2);
    }
}
