package dev.ebpf.profiling.agent.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Splits a command's arguments into options, as every command here takes them: {@code --name value}
 * or {@code --name=value}, and bare {@code --flag}s. What each option means is the command's business.
 */
final class OptionTokens {

    /** One option as given; {@code value} is null for a flag. */
    record Option(String name, String value) {}

    private OptionTokens() {}

    /**
     * The options in order.
     *
     * @throws UsageException for a stray argument, or an option without its value
     */
    static List<Option> split(List<String> args, Set<String> flags) {
        List<Option> options = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String option = args.get(i);
            if (!option.startsWith("--")) {
                throw new UsageException("unexpected argument '" + option + "'");
            }
            if (flags.contains(option)) {
                options.add(new Option(option, null));
                continue;
            }
            String value;
            int equals = option.indexOf('=');
            if (equals > 0) {
                value = option.substring(equals + 1);
                option = option.substring(0, equals);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new UsageException(option + " needs a value");
            }
            options.add(new Option(option, value));
        }
        return options;
    }
}
