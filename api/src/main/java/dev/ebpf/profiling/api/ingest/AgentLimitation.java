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
}
