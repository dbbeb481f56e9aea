package dev.ebpf.profiling.api.flamegraph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The interactive page in real headless Chromium: load, hover, click to zoom, search, reset.
 * The screenshot of the zoomed graph stays in target/flamegraph-browser/ as an artifact.
 */
// "slow" as in node-agent's TestTags.SLOW (api cannot see node-agent's test support).
@Tag("slow")
class FlameGraphBrowserTest {

    /** One node's slice of a job: nginx busy in the network stack, redis beside it. */
    private static final String SLICE = """
            nginx;main;ngx_process_events;tcp_sendmsg_[k] 500
            nginx;main;ngx_process_events;tcp_recvmsg_[k] 300
            nginx;main;ngx_http_parse_request_line 200
            redis;main;dictFind 100
            """;

    private static final double SIDE_PADDING = 2 * 10;

    @Test
    void clickingAFrameZoomsIntoItAndSearchAndResetWork() throws Exception {
        Files.createDirectories(HeadlessChromium.WORK);
        Path page = HeadlessChromium.WORK.resolve("job-demo-web-node-1.html");
        Path screenshot = HeadlessChromium.WORK.resolve("zoomed-ngx_process_events.png");
        Files.deleteIfExists(screenshot);
        Files.writeString(
                page,
                HtmlFlameGraph.render(
                        FoldedStacks.parse(SLICE),
                        FlameGraphOptions.of(FlameGraphKind.ON_CPU)
                                .withTitle("ProfilingJob demo/web", "node-1, slice 2026-11-26T06:20:00Z")));

        JsonNode seen = HeadlessChromium.run(
                "check",
                page.toAbsolutePath().toString(),
                screenshot.toAbsolutePath().toString(),
                "ngx_process_events",
                "_\\[k\\]$");

        assertThat(seen.get("errors")).as("script errors in the page").isEmpty();
        assertThat(seen.get("external")).as("requests leaving the page").isEmpty();

        JsonNode before = seen.get("before");
        double drawable = before.get("svgWidth").asDouble() - SIDE_PADDING;
        assertThat(before.get("zoom").asText()).isEqualTo("all");
        assertThat(before.get("resetDisabled").asBoolean()).isTrue();
        assertThat(width(before, "all")).isCloseTo(drawable, within(0.01));
        assertThat(width(before, "ngx_process_events")).isCloseTo(drawable * 800 / 1100, within(0.01));
        assertSameColoursAsJava(before, FlameGraphKind.ON_CPU);

        assertThat(seen.get("tooltip").get("hidden").asBoolean()).isFalse();
        assertThat(seen.get("tooltip").get("text").asText())
                .isEqualTo("ngx_process_events \u2014 800 samples, 72.73% of all");

        JsonNode zoomed = seen.get("zoomed");
        assertThat(zoomed.get("zoom").asText()).isEqualTo("ngx_process_events");
        assertThat(width(zoomed, "ngx_process_events")).isCloseTo(drawable, within(0.01));
        assertThat(width(zoomed, "tcp_sendmsg_[k]")).isCloseTo(drawable * 500 / 800, within(0.01));
        assertThat(width(zoomed, "tcp_recvmsg_[k]")).isCloseTo(drawable * 300 / 800, within(0.01));
        assertThat(zoomed.get("frames").has("redis"))
                .as("frames outside the zoom are gone")
                .isFalse();
        assertThat(zoomed.get("frames").has("ngx_http_parse_request_line")).isFalse();
        assertThat(zoomed.get("frames").get("nginx").get("ancestor").asBoolean())
                .isTrue();
        assertThat(zoomed.get("frames").get("main").get("ancestor").asBoolean()).isTrue();
        assertThat(zoomed.get("resetDisabled").asBoolean()).isFalse();

        byte[] png = Files.readAllBytes(screenshot);
        assertThat(png.length).isGreaterThan(1000);
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');

        JsonNode searched = seen.get("searched");
        assertThat(searched.get("frames").get("tcp_sendmsg_[k]").get("match").asBoolean())
                .isTrue();
        assertThat(searched.get("frames").get("tcp_recvmsg_[k]").get("match").asBoolean())
                .isTrue();
        assertThat(searched.get("frames").get("ngx_process_events").get("match").asBoolean())
                .isFalse();
        assertThat(searched.get("matched").asText()).isEqualTo("Matched: 72.73%");

        JsonNode reset = seen.get("reset");
        assertThat(reset.get("zoom").asText()).isEqualTo("all");
        assertThat(reset.get("frames").has("redis")).isTrue();
        assertThat(width(reset, "ngx_process_events")).isCloseTo(drawable * 800 / 1100, within(0.01));
    }

    @Test
    void offCpuPagesUseTheBlueSchemeAndZoomTheSameWay() throws Exception {
        Files.createDirectories(HeadlessChromium.WORK);
        Path page = HeadlessChromium.WORK.resolve("job-demo-web-node-1-off-cpu.html");
        Path screenshot = HeadlessChromium.WORK.resolve("zoomed-off-cpu.png");
        Files.writeString(
                page, HtmlFlameGraph.render(FoldedStacks.parse("""
                nginx;main;epoll_wait;do_epoll_wait_[k];schedule_[k] 900
                nginx;main;write;vfs_write_[k];mutex_lock_[k];schedule_[k] 100
                """), FlameGraphOptions.of(FlameGraphKind.OFF_CPU)));

        JsonNode seen = HeadlessChromium.run(
                "check",
                page.toAbsolutePath().toString(),
                screenshot.toAbsolutePath().toString(),
                "write",
                "schedule");

        assertThat(seen.get("errors")).isEmpty();
        assertSameColoursAsJava(seen.get("before"), FlameGraphKind.OFF_CPU);
        String userFill =
                seen.get("before").get("frames").get("epoll_wait").get("fill").asText();
        assertThat(userFill).isEqualTo(FlameGraphKind.OFF_CPU.color("epoll_wait"));
        assertThat(seen.get("zoomed").get("zoom").asText()).isEqualTo("write");
        assertThat(seen.get("zoomed").get("frames").has("epoll_wait")).isFalse();
        assertThat(seen.get("searched").get("matched").asText()).isEqualTo("Matched: 100.00%");
    }

    @Test
    void aSliceWithoutSamplesLoadsCleanlyAndDrawsNothing() throws Exception {
        Files.createDirectories(HeadlessChromium.WORK);
        Path page = HeadlessChromium.WORK.resolve("empty-slice.html");
        Files.writeString(
                page, HtmlFlameGraph.render(FoldedStacks.parse(""), FlameGraphOptions.of(FlameGraphKind.ON_CPU)));

        JsonNode seen = HeadlessChromium.run("load", page.toAbsolutePath().toString());

        assertThat(seen.get("errors")).isEmpty();
        assertThat(seen.get("loaded").get("drawnFrames").asInt()).isZero();
        assertThat(seen.get("loaded").get("zoom").asText()).isEqualTo("all");
    }

    /** Every frame the page drew has the colour FlameGraphKind gives it, as the static SVG has. */
    private static void assertSameColoursAsJava(JsonNode snapshot, FlameGraphKind kind) {
        snapshot.get("frames")
                .properties()
                .forEach(frame -> assertThat(frame.getValue().get("fill").asText())
                        .as("colour of %s", frame.getKey())
                        .isEqualTo(kind.color(frame.getKey())));
    }

    private static double width(JsonNode snapshot, String frame) {
        JsonNode node = snapshot.get("frames").get(frame);
        assertThat(node).as("frame %s is drawn", frame).isNotNull();
        return node.get("width").asDouble();
    }
}
