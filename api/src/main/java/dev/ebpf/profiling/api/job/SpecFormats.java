package dev.ebpf.profiling.api.job;

import java.time.Duration;
import java.util.regex.Matcher;

/** The string formats of the spec, shared by the CRD schema (patterns) and the operator's parsers. */
public final class SpecFormats {

    /** A CPU list as in /sys/devices/system/cpu/online: {@code 0,2-3}. */
    public static final String CPU_LIST = "^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$";

    /** A duration such as {@code 30s}, {@code 5m} or {@code 1h30m} (the CEL {@code duration()} format, whole units). */
    public static final String DURATION = "^([0-9]+(ms|s|m|h))+$";

    private static final java.util.regex.Pattern DURATION_WHOLE = java.util.regex.Pattern.compile(DURATION);
    private static final java.util.regex.Pattern DURATION_PART = java.util.regex.Pattern.compile("([0-9]+)(ms|s|m|h)");

    private SpecFormats() {}

    /**
     * A duration of the spec, such as {@code 30s} or {@code 1h30m}, as the agents read it (the
     * operator validates the same format).
     *
     * @param field the spec field, for the message
     * @throws IllegalArgumentException with a one-line message when the text is not a positive duration
     */
    public static Duration parseDuration(String field, String text) {
        if (text == null || !DURATION_WHOLE.matcher(text).matches()) {
            throw new IllegalArgumentException(field + " '" + text + "' is not a duration such as 30s, 5m or 1h30m");
        }
        Duration total = Duration.ZERO;
        Matcher part = DURATION_PART.matcher(text);
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
