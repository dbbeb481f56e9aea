package dev.ebpf.profiling.operator.validate;

import dev.ebpf.profiling.api.job.SpecFormats;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations of the spec, such as {@code 30s} or {@code 1h30m} (the format of {@link SpecFormats#DURATION}). */
public final class SpecDuration {

    private static final Pattern WHOLE = Pattern.compile(SpecFormats.DURATION);
    private static final Pattern PART = Pattern.compile("([0-9]+)(ms|s|m|h)");

    private SpecDuration() {}

    /**
     * @param field the spec field, for the message
     * @throws IllegalArgumentException with a one-line message when the text is not a positive duration
     */
    public static Duration parse(String field, String text) {
        if (text == null || !WHOLE.matcher(text).matches()) {
            throw new IllegalArgumentException(field + " '" + text + "' is not a duration such as 30s, 5m or 1h30m");
        }
        Duration total = Duration.ZERO;
        Matcher part = PART.matcher(text);
        while (part.find()) {
            long amount = Long.parseLong(part.group(1));
            total = total.plus(
                    switch (part.group(2)) {
                        case "ms" -> Duration.ofMillis(amount);
                        case "s" -> Duration.ofSeconds(amount);
                        case "m" -> Duration.ofMinutes(amount);
                        default -> Duration.ofHours(amount);
                    });
        }
        if (total.isZero()) {
            throw new IllegalArgumentException(field + " '" + text + "' must be longer than zero");
        }
        return total;
    }
}
