package dev.ebpf.profiling.api.job;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How the on-CPU sampler walks user stacks (see docs/unwinding.md). The agent serves every job of
 * a node with one sampler, so it unwinds with DWARF while any of its jobs asks for it.
 */
public enum UnwindingMode {
    /** Each binary's .eh_frame tables, in the kernel: stacks reach main in code without frame pointers. */
    @JsonProperty("dwarf")
    DWARF,
    /** The kernel's frame-pointer walk: cheapest, but shallow in most distribution binaries. */
    @JsonProperty("fp")
    FP
}
