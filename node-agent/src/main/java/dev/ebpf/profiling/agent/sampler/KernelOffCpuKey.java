package dev.ebpf.profiling.agent.sampler;

import dev.ebpf.profiling.agent.bpf.StructFields;
import dev.ebpf.profiling.bpf.BpfContract;
import dev.ebpf.profiling.bpf.BpfStructs;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * A key of the off-CPU count maps as the kernel wrote it (struct offcpu_key of bpf/profiler.h):
 * its stack ids still point into the stack map named by {@code stackSlot}.
 */
record KernelOffCpuKey(
        int tgid,
        long cgroupId,
        int kernelStackId,
        int userStackId,
        int stackSlot,
        long prevState,
        String comm,
        int cpu) {

    /** struct offcpu_key, generated from the BPF objects. */
    static final StructLayout LAYOUT = BpfStructs.OFFCPU_KEY;

    /** struct offcpu_value: blocked nanoseconds, then ended blocks. */
    static final StructLayout VALUE_LAYOUT = BpfStructs.OFFCPU_VALUE;

    private static final long TGID = StructFields.offset(LAYOUT, "tgid", ValueLayout.JAVA_INT);
    private static final long KERNEL_STACK = StructFields.offset(LAYOUT, "kernel_stack_id", ValueLayout.JAVA_INT);
    private static final long CGROUP = StructFields.offset(LAYOUT, "cgroup_id", ValueLayout.JAVA_LONG);
    private static final long USER_STACK = StructFields.offset(LAYOUT, "user_stack_id", ValueLayout.JAVA_INT);
    private static final long STACK_SLOT = StructFields.offset(LAYOUT, "stack_slot", ValueLayout.JAVA_INT);
    private static final long STATE = StructFields.offset(LAYOUT, "prev_state", ValueLayout.JAVA_LONG);
    private static final long COMM = StructFields.offset(LAYOUT, "comm", SampleKey.COMM_LAYOUT);
    private static final long BLOCKED_NS = StructFields.offset(VALUE_LAYOUT, "blocked_ns", ValueLayout.JAVA_LONG);
    private static final long BLOCKS = StructFields.offset(VALUE_LAYOUT, "blocks", ValueLayout.JAVA_LONG);
    private static final long CPU = StructFields.offset(LAYOUT, "cpu", ValueLayout.JAVA_INT);

    static KernelOffCpuKey read(MemorySegment key) {
        return new KernelOffCpuKey(
                key.get(ValueLayout.JAVA_INT_UNALIGNED, TGID),
                key.get(ValueLayout.JAVA_LONG_UNALIGNED, CGROUP),
                key.get(ValueLayout.JAVA_INT_UNALIGNED, KERNEL_STACK),
                key.get(ValueLayout.JAVA_INT_UNALIGNED, USER_STACK),
                key.get(ValueLayout.JAVA_INT_UNALIGNED, STACK_SLOT),
                key.get(ValueLayout.JAVA_LONG_UNALIGNED, STATE),
                SampleKey.comm(key.asSlice(COMM, BpfContract.TASK_COMM_LEN)),
                key.get(ValueLayout.JAVA_INT_UNALIGNED, CPU));
    }

    /** The value that goes with a key: blocked time, with every block in it ended. */
    static BlockedTime readValue(MemorySegment value) {
        return new BlockedTime(
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, BLOCKED_NS),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, BLOCKS),
                0);
    }
}
