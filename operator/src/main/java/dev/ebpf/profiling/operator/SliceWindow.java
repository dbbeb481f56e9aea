package dev.ebpf.profiling.operator;

import dev.ebpf.profiling.api.job.SliceStatus;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** A slice's window as Events and conditions show it: {@code 12:05:00-12:05:30} (UTC). */
final class SliceWindow {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

    private SliceWindow() {}

    static String describe(SliceStatus slice) {
        return format(slice.start) + "-" + format(slice.end);
    }

    private static String format(String instant) {
        return instant == null ? "?" : TIME.format(Instant.parse(instant));
    }
}
