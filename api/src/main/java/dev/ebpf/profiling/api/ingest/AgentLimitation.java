package dev.ebpf.profiling.api.ingest;

/**
 * Something optional the agent runs without on its node, and why: the job still gets its slices,
 * and the operator shows the reason as a condition naming the nodes.
 *
 * @param reason  CamelCase, such as {@link #KERNEL_SYMBOLS_HIDDEN}
 * @param message one line: what is missing, its effect, and how to fix it
 */
public record AgentLimitation(String reason, String message) {

    /** /proc/kallsyms shows every address as 0: kernel frames are named by module only. */
    public static final String KERNEL_SYMBOLS_HIDDEN = "KernelSymbolsHidden";

    /** The off-CPU sampler cannot run on this node (no tracefs, no sched_switch, BTF refused): on-CPU only. */
    public static final String OFF_CPU_UNAVAILABLE = "OffCpuUnavailable";

    /**
     * The CPU time program cannot run on this node (no tracefs, BTF refused, no BPF test run on a
     * CPU before Linux 5.10): CPU% comes from samples, biased by a few points toward CPU hogs.
     */
    public static final String EXACT_CPU_UNAVAILABLE = "ExactCpuUnavailable";

    /** The net-rx profiler cannot run on this node (a tracepoint it needs is missing): slices come without it. */
    public static final String NET_RX_UNAVAILABLE = "NetRxUnavailable";

    /** The kernel refused the mmap records: processes that exit inside a slice lose their user frames. */
    public static final String MAPPINGS_UNTRACKED = "ExitedProcessMappingsUntracked";
}
