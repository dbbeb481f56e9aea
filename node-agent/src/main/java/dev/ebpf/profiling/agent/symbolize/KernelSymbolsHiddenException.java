package dev.ebpf.profiling.agent.symbolize;

/** /proc/kallsyms shows every address as 0: the kernel hides them (kptr_restrict). */
public final class KernelSymbolsHiddenException extends IllegalStateException {

    public KernelSymbolsHiddenException(String source) {
        super(source + " shows every kernel address as 0 (kernel.kptr_restrict hides them):"
                + " run as root with CAP_SYSLOG, or set sysctl kernel.kptr_restrict=0");
    }
}
