package dev.ebpf.profiling.agent.output.folded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.symbolize.SymbolizedStack;
import dev.ebpf.profiling.api.flamegraph.FlameNode;
import dev.ebpf.profiling.api.profile.Frame;
import java.io.IOException;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class FoldedStacksTest {

    private static final Frame MAIN = new Frame("main", "nginx", Frame.Origin.EXECUTABLE);
    private static final Frame RECV = new Frame("recv", "libc.so.6", Frame.Origin.LIBRARY);
    private static final Frame TCP = new Frame("tcp_recvmsg", "vmlinux", Frame.Origin.KERNEL);

    private static String write(List<SymbolizedStack> stacks) throws IOException {
        StringWriter out = new StringWriter();
        FoldedStacks.write(stacks, out);
        return out.toString();
    }

    @Test
    void writesApplicationThenOutermostToLeafWithTheCount() throws IOException {
        String folded = write(List.of(new SymbolizedStack(1, "nginx", List.of(TCP, RECV, MAIN), 7)));

        assertThat(folded).isEqualTo("nginx;main;recv;tcp_recvmsg_[k] 7\n");
    }

    @Test
    void mergesIdenticalStacksOfOneApplicationAcrossProcesses() throws IOException {
        String folded = write(List.of(
                new SymbolizedStack(1, "nginx", List.of(RECV, MAIN), 2),
                new SymbolizedStack(2, "nginx", List.of(RECV, MAIN), 3),
                new SymbolizedStack(3, "cron", List.of(RECV, MAIN), 1)));

        assertThat(folded).isEqualTo("cron;main;recv 1\nnginx;main;recv 5\n");
    }

    @Test
    void escapesSeparatorsAndWhitespaceSoEveryLineSplitsCleanly() throws IOException {
        Frame jvm = new Frame("Ljava/lang/String;::hashCode", "[jit]", Frame.Origin.JIT);
        Frame cpp = new Frame("std::vector<int, std::allocator<int> >::push_back", "app", Frame.Origin.EXECUTABLE);

        String folded = write(List.of(new SymbolizedStack(1, "my app", List.of(jvm, cpp), 4)));

        assertThat(folded)
                .isEqualTo("my_app;std::vector<int,_std::allocator<int>_>::push_back;Ljava/lang/String:::hashCode 4\n");
        String line = folded.strip();
        String[] frames = line.substring(0, line.lastIndexOf(' ')).split(";");
        assertThat(frames).hasSize(3);
        assertThat(line.substring(line.lastIndexOf(' ') + 1)).isEqualTo("4");
    }

    @Test
    void theFlameGraphReaderReadsWhatIsWritten() throws IOException {
        Frame jvm = new Frame("Ljava/lang/String;::hashCode", "[jit]", Frame.Origin.JIT);
        String folded = write(List.of(
                new SymbolizedStack(1, "nginx", List.of(TCP, RECV, MAIN), 7),
                new SymbolizedStack(2, "my app", List.of(jvm, MAIN), 5)));

        FlameNode root = dev.ebpf.profiling.api.flamegraph.FoldedStacks.parse(folded);

        assertThat(root.samples()).isEqualTo(12);
        assertThat(root.children()).extracting(FlameNode::name).containsExactlyInAnyOrder("nginx", "my_app");
    }

    @Test
    void aStackWithoutFramesIsKeptAsUnknown() throws IOException {
        assertThat(write(List.of(new SymbolizedStack(1, "nginx", List.of(), 9))))
                .isEqualTo("nginx;[unknown] 9\n");
    }
}
