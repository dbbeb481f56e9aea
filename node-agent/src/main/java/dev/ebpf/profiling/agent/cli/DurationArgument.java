package dev.ebpf.profiling.agent.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations as SREs type them: {@code 10s}, {@code 500ms}, {@code 2m}, {@code 1h}, or plain seconds. */
public final class DurationArgument {

    private static final Pattern FORMAT = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)?");

    private DurationArgument() {
    }

    public static Duration parse(String option, String text) {
        Matcher matcher = FORMAT.matcher(text.strip());
        if (!matcher.matches()) {
            throw new UsageException(option + " must be a positive duration such as 10s, 500ms or 2m, not '"
                    + text + "'");
        }
        double amount = Double.parseDouble(matcher.group(1));
        String unit = matcher.group(2) == null ? "s" : matcher.group(2);
        double millis = switch (unit) {
            case "ms" -> amount;
            case "s" -> amount * 1_000;
            case "m" -> amount * 60_000;
            case "h" -> amount * 3_600_000;
            default -> throw new IllegalStateException(unit);
        };
        if (millis < 1) {
            throw new UsageException(option + " must be at least 1ms, not '" + text + "'");
        }
        return Duration.ofMillis(Math.round(millis));
    }
}
