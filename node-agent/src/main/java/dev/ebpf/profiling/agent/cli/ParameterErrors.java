package dev.ebpf.profiling.agent.cli;

import java.util.List;
import picocli.CommandLine;

/** picocli's parse errors as one line each, with the nearest option or command when one is close. */
final class ParameterErrors {

    private ParameterErrors() {}

    static String oneLine(CommandLine.ParameterException e) {
        if (e instanceof CommandLine.UnmatchedArgumentException unmatched) {
            return unmatched(unmatched);
        }
        if (e instanceof CommandLine.MissingParameterException missing
                && !missing.getMissing().isEmpty()
                && missing.getMissing().getFirst() instanceof CommandLine.Model.OptionSpec option) {
            return option.longestName() + " needs a value";
        }
        return e.getMessage().replace(System.lineSeparator(), " ");
    }

    private static String unmatched(CommandLine.UnmatchedArgumentException e) {
        String argument = e.getUnmatched().isEmpty() ? "?" : e.getUnmatched().getFirst();
        List<String> suggestions = e.getSuggestions();
        String hint = suggestions.isEmpty() ? "" : " (did you mean " + String.join(" or ", suggestions) + "?)";
        CommandLine command = e.getCommandLine();
        boolean topLevel = !command.getSubcommands().isEmpty();
        if (topLevel) {
            return "unknown command '" + argument + "': try " + commands(command) + hint;
        }
        if (argument.startsWith("-")) {
            return "unknown option '" + argument.split("=", 2)[0] + "' for '" + command.getCommandName() + "'" + hint
                    + "; see '" + command.getCommandSpec().qualifiedName() + " --help'";
        }
        return "unexpected argument '" + argument + "' for '" + command.getCommandName() + "' (options start with --)";
    }

    private static String commands(CommandLine top) {
        return String.join(
                ", ",
                top.getSubcommands().keySet().stream()
                        .filter(name -> !name.equals("generate-completion"))
                        .map(name -> "'" + name + "'")
                        .toList());
    }
}
