package dev.ebpf.profiling.agent.sampler;

import dev.ebpf.profiling.api.job.UnwindingMode;
import dev.ebpf.profiling.bpf.BpfContract;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * How the on-CPU sampler walks user stacks. Frame pointers are the kernel's own walk: cheapest,
 * but a stack stops at the first function built without them (most distribution binaries, Python,
 * the JVM's own code). DWARF unwinds with each file's .eh_frame tables in the kernel (see
 * docs/unwinding.md), falling back to frame pointers where a pc has no table (JIT code).
 */
public enum Unwinding {
    FRAME_POINTERS("frame-pointers", "fp", BpfContract.UNWIND_MODE_FRAME_POINTERS),
    DWARF("dwarf", "dwarf", BpfContract.UNWIND_MODE_DWARF);

    private final String label;
    private final String shortName;
    private final int kernelMode;

    Unwinding(String label, String shortName, int kernelMode) {
        this.label = label;
        this.shortName = shortName;
        this.kernelMode = kernelMode;
    }

    /** As the output and the ProfilingJob spec name it: frame-pointers or dwarf. */
    public String label() {
        return label;
    }

    int kernelMode() {
        return kernelMode;
    }

    /** As a ProfilingJob's {@code spec.unwinding} asks for it. */
    public static Unwinding of(UnwindingMode mode) {
        return switch (mode) {
            case DWARF -> DWARF;
            case FP -> FRAME_POINTERS;
        };
    }

    /** fp, frame-pointers or dwarf (the CLI's and the spec's spellings). */
    public static Unwinding parse(String text) {
        String value = text.strip();
        for (Unwinding unwinding : values()) {
            if (unwinding.label.equals(value) || unwinding.shortName.equals(value)) {
                return unwinding;
            }
        }
        throw new IllegalArgumentException("unwinding must be one of "
                + Arrays.stream(values())
                        .map(u -> u.shortName + " (" + u.label + ")")
                        .collect(Collectors.joining(", "))
                + ", not '" + text + "'");
    }
}
