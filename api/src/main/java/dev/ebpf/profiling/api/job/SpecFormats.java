package dev.ebpf.profiling.api.job;

/** The string formats of the spec, shared by the CRD schema (patterns) and the operator's parsers. */
public final class SpecFormats {

    /** A CPU list as in /sys/devices/system/cpu/online: {@code 0,2-3}. */
    public static final String CPU_LIST = "^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$";

    /** A duration such as {@code 30s}, {@code 5m} or {@code 1h30m} (the CEL {@code duration()} format, whole units). */
    public static final String DURATION = "^([0-9]+(ms|s|m|h))+$";

    private SpecFormats() {}
}
