package dev.ebpf.profiling.agent.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations as SREs type them: {@code 10s}, {@code 500ms}, {@code 50us}, {@code 2m}, {@code 1h}, or plain seconds. */
public final class DurationArgument {

    private static final Pattern FORMAT = Pattern.compile("(\\d+(?:\\.\\d+)?)(us|ms|s|m|h)?");
    private static final Duration ONE_MILLISECOND = Duration.ofMillis(1);

    private DurationArgument() {}

    /** A run or slice length: at least 1 ms. */
    public static Duration parse(String option, String text) {
        Duration duration = parseAtLeast(option, text, Duration.ZERO);
        if (duration.compareTo(ONE_MILLISECOND) < 0) {
            throw new UsageException(option + " must be at least 1ms, not '" + text + "'");
        }
        return duration;
    }

    /** Any duration that is not negative (a threshold such as {@code --min-block}). */
    public static Duration parseAtLeast(String option, String text, Duration minimum) {
        Matcher matcher = FORMAT.matcher(text.strip());
        if (!matcher.matches()) {
            throw new UsageException(
                    option + " must be a positive duration such as 10s, 500ms or 2m, not '" + text + "'");
        }
        double amount = Double.parseDouble(matcher.group(1));
        String unit = matcher.group(2) == null ? "s" : matcher.group(2);
        double nanos = amount
                * switch (unit) {
                    case "us" -> 1e3;
                    case "ms" -> 1e6;
                    case "s" -> 1e9;
                    case "m" -> 60e9;
                    case "h" -> 3_600e9;
                    default -> throw new IllegalStateException(unit);
                };
        Duration duration = Duration.ofNanos(Math.round(nanos));
        if (duration.compareTo(minimum) < 0) {
            throw new UsageException(option + " must be at least " + minimum + ", not '" + text + "'");
        }
        return duration;
    }
}
