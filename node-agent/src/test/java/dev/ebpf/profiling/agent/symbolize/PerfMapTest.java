package dev.ebpf.profiling.agent.symbolize;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import org.junit.jupiter.api.Test;

class PerfMapTest {

    private static PerfMap parse(String text) throws IOException {
        return PerfMap.parse(new BufferedReader(new StringReader(text)));
    }

    @Test
    void resolvesAddressesInsideEntries() throws IOException {
        PerfMap map = parse("""
                7f0a10000000 40 Interpreter
                0x7f0a10001000 0x100 LazyCompile:*processRequest /app/server.js:10
                """);

        assertThat(map.lookup(0x7f0a1000003fL)).isEqualTo("Interpreter");
        assertThat(map.lookup(0x7f0a10000040L)).isNull();
        assertThat(map.lookup(0x7f0a10001080L)).isEqualTo("LazyCompile:*processRequest /app/server.js:10");
    }

    @Test
    void laterEntriesWinWhenTheJitReusesAnAddress() throws IOException {
        PerfMap map = parse("""
                7f0a10000000 100 Lcom/example/Old;::run
                7f0a10000000 100 Lcom/example/New;::run
                """);

        assertThat(map.lookup(0x7f0a10000010L)).isEqualTo("Lcom/example/New;::run");
    }

    @Test
    void skipsALineTheJitIsStillWriting() throws IOException {
        PerfMap map = parse("7f0a10000000 40 done\n7f0a1000");

        assertThat(map.size()).isEqualTo(1);
        assertThat(map.skippedLines()).isEqualTo(1);
    }
}
