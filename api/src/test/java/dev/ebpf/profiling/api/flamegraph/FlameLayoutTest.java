package dev.ebpf.profiling.api.flamegraph;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class FlameLayoutTest {

    private static final FlameNode TREE = FoldedStacks.parse("""
            app;main;parse 25
            app;main;render;draw 60
            app;main 15
            app;gc 100
            """);

    @Test
    void widthsAreTheSampleCountsAndChildrenSitSideBySideInsideTheirParent() {
        List<FlameFrame> frames = FlameLayout.layout(TREE, 0);

        assertThat(frames)
                .containsExactly(
                        new FlameFrame("all", 0, 0, 200),
                        new FlameFrame("app", 1, 0, 200),
                        new FlameFrame("gc", 2, 0, 100),
                        new FlameFrame("main", 2, 100, 100),
                        new FlameFrame("parse", 3, 100, 25),
                        new FlameFrame("render", 3, 125, 60),
                        new FlameFrame("draw", 4, 125, 60));
    }

    @Test
    void aCommonPrefixIsOneBoxNotOnePerStack() {
        List<FlameFrame> frames = FlameLayout.layout(TREE, 0);

        assertThat(frames).filteredOn(f -> f.name().equals("main")).hasSize(1);
    }

    @Test
    void boxesBelowTheMinimumAreLeftOutWithTheirCallees() {
        List<FlameFrame> frames = FlameLayout.layout(TREE, 30);

        assertThat(frames).extracting(FlameFrame::name).containsExactly("all", "app", "gc", "main", "render", "draw");
    }

    @Test
    void maxDepthIsTheDeepestStack() {
        assertThat(FlameLayout.maxDepth(TREE)).isEqualTo(4);
    }
}
