package dev.ebpf.profiling.agent.bpf;

/** The perf events the on-CPU sampler can run on, in order of preference. */
public enum SamplingEvent {
    /** Hardware CPU cycles from the PMU: samples even code that runs with interrupts off. */
    CPU_CYCLES("cpu-cycles", 0 /* PERF_TYPE_HARDWARE */, 0 /* PERF_COUNT_HW_CPU_CYCLES */),
    /** The software CPU clock (an hrtimer): the fallback where there is no PMU, as in most VMs. */
    CPU_CLOCK("cpu-clock", 1 /* PERF_TYPE_SOFTWARE */, 0 /* PERF_COUNT_SW_CPU_CLOCK */);

    private final String label;
    private final int perfType;
    private final long perfConfig;

    SamplingEvent(String label, int perfType, long perfConfig) {
        this.label = label;
        this.perfType = perfType;
        this.perfConfig = perfConfig;
    }

    /** The name users see, as perf names it. */
    public String label() {
        return label;
    }

    int perfType() {
        return perfType;
    }

    long perfConfig() {
        return perfConfig;
    }
}
