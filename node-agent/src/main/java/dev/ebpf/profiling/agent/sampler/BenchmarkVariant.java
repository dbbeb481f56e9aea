package dev.ebpf.profiling.agent.sampler;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.ebpf.profiling.agent.bpf.StructFields;
import dev.ebpf.profiling.bpf.BpfContract;
import dev.ebpf.profiling.bpf.BpfGlobals;
import dev.ebpf.profiling.bpf.BpfStructs;
import java.lang.foreign.MemorySegment;

/**
 * A benchmark-only variant of the on-CPU program (UnwindBenchmark): the {@code sampler_config}
 * fields that make it do less, or more, than a real sample, so that the time of each phase is the
 * difference of two variants measured side by side. {@link #NONE} is the real program.
 *
 * @param kernelStackInUserMode ask for the kernel stack even of samples that interrupted user mode
 * @param stopAfter             the last phase each sample runs ({@code BENCH_STOP_*} of profiler.h; 0: all)
 * @param reads                 reads of one user word per sample, then stop (at most BENCH_MAX_READS)
 * @param readAt                where those reads go ({@code BENCH_READ_AT_*})
 * @param ruleCacheOff          DWARF: search every frame's rule, as before the per-CPU rule cache
 * @param kernelFpWalk          walk frame pointers with the kernel's bpf_get_stackid, as before the program's own walk
 */
public record BenchmarkVariant(
        boolean kernelStackInUserMode,
        int stopAfter,
        int reads,
        int readAt,
        boolean ruleCacheOff,
        boolean kernelFpWalk) {

    /** The real program. */
    public static final BenchmarkVariant NONE =
            new BenchmarkVariant(false, BpfContract.BENCH_RUN_ALL, 0, 0, false, false);

    private static final long CONFIG = BpfGlobals.Profile.SAMPLER_CONFIG;
    private static final long KERNEL_STACK_IN_USER_MODE =
            CONFIG + StructFields.offset(BpfStructs.SAMPLER_CONFIG, "kernel_stack_in_user_mode", JAVA_INT);
    private static final long STOP_AFTER =
            CONFIG + StructFields.offset(BpfStructs.SAMPLER_CONFIG, "bench_stop_after", JAVA_INT);
    private static final long READS = CONFIG + StructFields.offset(BpfStructs.SAMPLER_CONFIG, "bench_reads", JAVA_INT);
    private static final long READ_AT =
            CONFIG + StructFields.offset(BpfStructs.SAMPLER_CONFIG, "bench_read_at", JAVA_INT);
    private static final long KERNEL_FP_WALK =
            CONFIG + StructFields.offset(BpfStructs.SAMPLER_CONFIG, "bench_kernel_fp_walk", JAVA_INT);
    private static final long RULE_CACHE_OFF =
            CONFIG + StructFields.offset(BpfStructs.SAMPLER_CONFIG, "bench_rule_cache_off", JAVA_INT);

    public BenchmarkVariant {
        if (reads < 0 || reads > BpfContract.BENCH_MAX_READS) {
            throw new IllegalArgumentException("reads must be 0.." + BpfContract.BENCH_MAX_READS + ": " + reads);
        }
    }

    /** The program that stops after {@code phase} ({@code BENCH_STOP_*}). */
    public static BenchmarkVariant stopAfter(int phase) {
        return new BenchmarkVariant(false, phase, 0, 0, false, false);
    }

    /** The program that, after the counters, reads {@code reads} user words at {@code readAt}, then stops. */
    public static BenchmarkVariant reads(int reads, int readAt) {
        return new BenchmarkVariant(false, BpfContract.BENCH_RUN_ALL, reads, readAt, false, false);
    }

    /** The real program, but searching every frame's rule (DWARF) as before the rule cache. */
    public static BenchmarkVariant withoutRuleCache() {
        return new BenchmarkVariant(false, BpfContract.BENCH_RUN_ALL, 0, 0, true, false);
    }

    /** The real program, but walking frame pointers with the kernel's bpf_get_stackid, as before its own walk. */
    public static BenchmarkVariant withKernelFpWalk() {
        return new BenchmarkVariant(false, BpfContract.BENCH_RUN_ALL, 0, 0, false, true);
    }

    /** Writes the variant into the program's .rodata before load. */
    void writeTo(MemorySegment rodata) {
        rodata.set(JAVA_INT, KERNEL_STACK_IN_USER_MODE, kernelStackInUserMode ? 1 : 0);
        rodata.set(JAVA_INT, STOP_AFTER, stopAfter);
        rodata.set(JAVA_INT, READS, reads);
        rodata.set(JAVA_INT, READ_AT, readAt);
        rodata.set(JAVA_INT, RULE_CACHE_OFF, ruleCacheOff ? 1 : 0);
        rodata.set(JAVA_INT, KERNEL_FP_WALK, kernelFpWalk ? 1 : 0);
    }
}
