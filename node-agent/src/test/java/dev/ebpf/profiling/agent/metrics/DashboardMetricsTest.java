package dev.ebpf.profiling.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard in the chart only queries metrics the agent really exports (read from a
 * scrape of {@link AgentMetrics}, not from a list kept here), and shows each of them.
 */
class DashboardMetricsTest {

    /** Tests run in node-agent/; the chart is beside it. */
    static final Path DASHBOARD = Path.of("")
            .toAbsolutePath()
            .getParent()
            .resolve("charts/ebpf-profiler/dashboards/ebpf-profiler-agents.json");

    private static final Pattern LABEL_VALUES =
            Pattern.compile("label_values\\(\\s*([a-zA-Z_:][\\w:]*)[^,]*,\\s*(\\w+)\\s*\\)");

    private static Set<String> exported;
    private static JsonNode dashboard;

    @BeforeAll
    static void readBoth() throws Exception {
        AgentMetrics metrics = new AgentMetrics(MetricsSlices.NODE);
        // Every kind of report once, so every series the agent can export is in the scrape.
        metrics.sliceCollected(MetricsSlices.first(), Duration.ofMillis(1), Duration.ofMillis(1));
        metrics.triggerFired("node-sys");
        metrics.uploadsPending(1);
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        metrics.writeText(text);
        exported = PrometheusText.parse(text.toString(StandardCharsets.UTF_8)).names();
        dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
    }

    @Test
    void everyPanelQueryNamesOnlyExportedMetrics() {
        List<JsonNode> targets = targets();
        assertThat(targets).isNotEmpty();
        for (JsonNode target : targets) {
            String expr = target.path("expr").asText();
            assertThat(PromQlNames.of(expr))
                    .as("metrics in %s", expr)
                    .isNotEmpty()
                    .isSubsetOf(exported);
        }
    }

    @Test
    void theNodeVariableReadsAnExportedMetricsNodeLabel() {
        JsonNode node = variable("node");
        Matcher query = LABEL_VALUES.matcher(node.path("query").path("query").asText());
        assertThat(query.matches())
                .as("node variable query %s", node.path("query"))
                .isTrue();
        assertThat(exported).contains(query.group(1));
        assertThat(query.group(2)).isEqualTo(AgentMetrics.NODE);
    }

    @Test
    void everyExportedMetricIsShown() {
        Set<String> used = new TreeSet<>();
        targets()
                .forEach(
                        target -> used.addAll(PromQlNames.of(target.path("expr").asText())));
        // A histogram is shown through its buckets, sum and count; _created is not exported here.
        Set<String> families = new TreeSet<>();
        exported.forEach(name -> families.add(name.replaceAll("_(bucket|sum|count)$", "")));
        Set<String> usedFamilies = new TreeSet<>();
        used.forEach(name -> usedFamilies.add(name.replaceAll("_(bucket|sum|count)$", "")));
        assertThat(usedFamilies).containsAll(families);
    }

    @Test
    void topApplicationsCpuIsAGraphRepeatedPerNode() {
        List<JsonNode> perNode = new ArrayList<>();
        dashboard.path("panels").forEach(panel -> {
            boolean cpu = panel.path("targets").findValuesAsText("expr").stream()
                    .anyMatch(expr -> expr.contains(AgentMetrics.PREFIX + "application_cpu_percent{node=\"$node\"}"));
            if (cpu
                    && panel.path("repeat").asText().equals("node")
                    && panel.path("type").asText().equals("timeseries")) {
                perNode.add(panel);
            }
        });
        assertThat(perNode).hasSize(1);
        assertThat(perNode.getFirst()
                        .path("fieldConfig")
                        .path("defaults")
                        .path("unit")
                        .asText())
                .isEqualTo("percent");
    }

    @Test
    void panelsUseTheDashboardsDataSourceVariable() {
        assertThat(variable("datasource").path("query").asText()).isEqualTo("prometheus");
        for (JsonNode target : targets()) {
            assertThat(target.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
        }
    }

    @Test
    void theNameReaderFindsMetricsAndNothingElse() {
        assertThat(PromQlNames.of(
                        "histogram_quantile(0.95, sum by (node, le) (rate(a_bucket{node=~\"$node\"}" + "[$window])))"))
                .containsExactly("a_bucket");
        assertThat(PromQlNames.of("sum without (cause) (rate(x_total[5m] offset 1h)) / on (node) group_left"
                        + " y_gauge > bool 1e-3"))
                .containsExactly("x_total", "y_gauge");
        assertThat(PromQlNames.of("sort_desc(z{pod=\"a{b}\"})")).containsExactly("z");
    }

    /** The queries of every panel, rows' nested panels included. */
    private static List<JsonNode> targets() {
        List<JsonNode> targets = new ArrayList<>();
        collect(dashboard.path("panels"), targets);
        return targets;
    }

    private static void collect(JsonNode panels, List<JsonNode> targets) {
        for (JsonNode panel : panels) {
            panel.path("targets").forEach(targets::add);
            collect(panel.path("panels"), targets);
        }
    }

    private static JsonNode variable(String name) {
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.path("name").asText().equals(name)) {
                return variable;
            }
        }
        throw new AssertionError("the dashboard has no variable " + name);
    }
}
