package dev.ebpf.profiling.agent.hotspot;

/** Shares as percentages, one way for every report. */
final class Percent {

    private Percent() {}

    /** part / whole x 100, or 0 for an empty whole. */
    static double of(long part, long whole) {
        return whole == 0 ? 0.0 : part * 100.0 / whole;
    }
}
