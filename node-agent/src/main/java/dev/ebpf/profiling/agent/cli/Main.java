package dev.ebpf.profiling.agent.cli;

import dev.ebpf.profiling.agent.bpf.BpfException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * {@code node-agent COMMAND ...}. Exit codes: 0 done, 1 the kernel or the system refused
 * (one line on stderr), 2 bad input (one line on stderr).
 */
public final class Main {

    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(Arrays.asList(args), System.out, System.err));
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        try {
            if (args.isEmpty()
                    || args.getFirst().equals("--help")
                    || args.getFirst().equals("help")) {
                out.println(ProfileOptions.USAGE);
                out.println(RunCommand.USAGE);
                return args.isEmpty() ? EXIT_USAGE : EXIT_OK;
            }
            List<String> rest = args.subList(1, args.size());
            return switch (args.getFirst()) {
                case "profile" -> ProfileCommand.run(rest, out);
                case "run" -> RunCommand.run(rest, out);
                default ->
                    throw new UsageException("unknown command '" + args.getFirst() + "': try 'profile' or 'run'");
            };
        } catch (UsageException e) {
            err.println("node-agent: " + e.getMessage());
            return EXIT_USAGE;
        } catch (BpfException e) {
            err.println("node-agent: " + e.getMessage());
            return EXIT_FAILED;
        } catch (RuntimeException e) {
            // Anything unforeseen still gets one line; the class name says where to look.
            err.println("node-agent: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return EXIT_FAILED;
        }
    }
}
