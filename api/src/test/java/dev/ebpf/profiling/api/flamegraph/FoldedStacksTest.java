package dev.ebpf.profiling.api.flamegraph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class FoldedStacksTest {

    @Test
    void stacksWithACommonPrefixShareItsNodes() {
        FlameNode root = FoldedStacks.parse("""
                nginx;main;recv;tcp_recvmsg_[k] 30
                nginx;main;send;tcp_sendmsg_[k] 50

                nginx;main 20
                redis;main;dict 7
                """);

        assertThat(root.name()).isEqualTo(FoldedStacks.ROOT_NAME);
        assertThat(root.samples()).isEqualTo(107);
        assertThat(names(root.children())).containsExactly("nginx", "redis");
        FlameNode nginxMain = child(child(root, "nginx"), "main");
        assertThat(nginxMain.samples()).isEqualTo(100);
        assertThat(nginxMain.selfSamples()).isEqualTo(20);
        assertThat(names(nginxMain.children())).containsExactly("recv", "send");
        assertThat(child(child(nginxMain, "send"), "tcp_sendmsg_[k]").samples()).isEqualTo(50);
    }

    @Test
    void identicalStacksOnSeveralLinesAddUp() {
        FlameNode root = FoldedStacks.parse("a;b 1\na;b 2\n");

        assertThat(child(child(root, "a"), "b").samples()).isEqualTo(3);
    }

    @Test
    void framesMayContainSpacesTheCountIsAfterTheLastOne() {
        FlameNode root = FoldedStacks.parse("app;operator new(unsigned long) 4\n");

        assertThat(child(child(root, "app"), "operator new(unsigned long)").samples())
                .isEqualTo(4);
    }

    @Test
    void badLinesAreNamedNotSkipped() {
        assertThatThrownBy(() -> FoldedStacks.parse("a;b 1\na;b\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("folded stacks line 2: expected 'frame;frame;... count', got 'a;b'");
        assertThatThrownBy(() -> FoldedStacks.parse("a;b many\n"))
                .hasMessage("folded stacks line 1: count 'many' is not a whole number");
        assertThatThrownBy(() -> FoldedStacks.parse("a;;b 3\n"))
                .hasMessage("folded stacks line 1: empty frame name in 'a;;b 3'");
        assertThatThrownBy(() -> FoldedStacks.parse("a -3\n")).hasMessage("folded stacks line 1: negative count -3");
    }

    @Test
    void noStacksGiveAnEmptyRoot() {
        FlameNode root = FoldedStacks.parse("\n\n");

        assertThat(root.samples()).isZero();
        assertThat(root.children()).isEmpty();
    }

    static FlameNode child(FlameNode parent, String name) {
        return parent.children().stream()
                .filter(c -> c.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError(parent.name() + " has no child " + name));
    }

    private static List<String> names(java.util.Collection<FlameNode> nodes) {
        return nodes.stream().map(FlameNode::name).toList();
    }
}
