package dev.ebpf.profiling.agent.cli;

import java.io.PrintStream;
import java.util.List;

/** The CLI run in this JVM, for benchmarks in other packages that time it (its entry point is package-private). */
public final class CliForBenchmarks {

    private CliForBenchmarks() {}

    public static int run(List<String> args, PrintStream out, PrintStream err) {
        return Main.run(args, out, err);
    }
}
