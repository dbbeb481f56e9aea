package dev.ebpf.profiling.agent.cli;

import dev.ebpf.profiling.agent.bpf.BpfException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code node-agent COMMAND ...}, parsed by picocli. Exit codes: 0 done, 1 the kernel or the system
 * refused (one line on stderr), 2 bad input (one line on stderr, with a hint where picocli has one).
 */
public final class Main {

    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;

    private static final String PREFIX = "node-agent: ";

    private Main() {}

    /** The top-level command: with no subcommand, prints usage and exits 2. */
    @Command(
            name = "node-agent",
            mixinStandardHelpOptions = true,
            versionProvider = AgentVersion.class,
            description =
                    "eBPF profiler for Kubernetes nodes: profile this machine, or run as the cluster's node agent.",
            footer = "%nRun 'node-agent COMMAND --help' for a command's options.")
    static final class NodeAgent implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getOut());
            return EXIT_USAGE;
        }
    }

    public static void main(String[] args) {
        System.exit(run(Arrays.asList(args), System.out, System.err));
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        return commandLine(out, err).execute(args.toArray(String[]::new));
    }

    /** The whole CLI, writing help and results to {@code out} and errors to {@code err}. */
    static CommandLine commandLine(PrintStream out, PrintStream err) {
        CommandLine cli = new CommandLine(new NodeAgent())
                .addSubcommand(new ProfileCommand(out))
                .addSubcommand(new RunCommand(out))
                .addSubcommand("generate-completion", new AutoComplete.GenerateCompletion());
        cli.getSubcommands()
                .get("generate-completion")
                .getCommandSpec()
                .usageMessage()
                .hidden(false);
        cli.setOut(new PrintWriter(out, true, out.charset()));
        cli.setErr(new PrintWriter(err, true, err.charset()));
        cli.setParameterExceptionHandler((e, args) -> {
            err.println(PREFIX + ParameterErrors.oneLine(e));
            return EXIT_USAGE;
        });
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            err.println(PREFIX + oneLine(e));
            return e instanceof UsageException ? EXIT_USAGE : EXIT_FAILED;
        });
        return cli;
    }

    private static String oneLine(Exception e) {
        if (e instanceof UsageException || e instanceof BpfException) {
            return e.getMessage();
        }
        // Anything unforeseen still gets one line; the class name says where to look.
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
