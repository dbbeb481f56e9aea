package dev.ebpf.profiling.agent.sampler;

import dev.ebpf.profiling.bpf.BpfContract;
import java.lang.foreign.MemoryLayout;
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

    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("tgid"),
            ValueLayout.JAVA_INT.withName("kernel_stack_id"),
            ValueLayout.JAVA_LONG.withName("cgroup_id"),
            ValueLayout.JAVA_INT.withName("user_stack_id"),
            ValueLayout.JAVA_INT.withName("stack_slot"),
            ValueLayout.JAVA_LONG.withName("prev_state"),
            MemoryLayout.sequenceLayout(BpfContract.TASK_COMM_LEN, ValueLayout.JAVA_BYTE)
                    .withName("comm"),
            ValueLayout.JAVA_INT.withName("cpu"),
            ValueLayout.JAVA_INT.withName("reserved"));

    /** struct offcpu_value: blocked nanoseconds, then ended blocks. */
    static final StructLayout VALUE_LAYOUT = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("blocked_ns"), ValueLayout.JAVA_LONG.withName("blocks"));

    private static final long TGID = offset("tgid");
    private static final long KERNEL_STACK = offset("kernel_stack_id");
    private static final long CGROUP = offset("cgroup_id");
    private static final long USER_STACK = offset("user_stack_id");
    private static final long STACK_SLOT = offset("stack_slot");
    private static final long STATE = offset("prev_state");
    private static final long COMM = offset("comm");
    private static final long CPU = offset("cpu");

    private static long offset(String field) {
        return LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

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
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, 0),
                value.get(ValueLayout.JAVA_LONG_UNALIGNED, Long.BYTES),
                0);
    }
}
