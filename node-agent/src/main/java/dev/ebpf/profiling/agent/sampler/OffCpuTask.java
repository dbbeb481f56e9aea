package dev.ebpf.profiling.agent.sampler;

import dev.ebpf.profiling.bpf.BpfContract;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * One thread that is off the CPU, as the off-CPU program tracks it: struct offcpu_task of
 * bpf/profiler.h. The agent reads these at a cut and writes them back with the reported part
 * moved into {@code accountedNanos}.
 */
record OffCpuTask(
        long startNanos,
        long accountedNanos,
        long cgroupId,
        long prevState,
        int tgid,
        int kernelStackId,
        int userStackId,
        int stackSlot,
        byte[] comm,
        int cpu) {

    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("start_ns"),
            ValueLayout.JAVA_LONG.withName("accounted_ns"),
            ValueLayout.JAVA_LONG.withName("cgroup_id"),
            ValueLayout.JAVA_LONG.withName("prev_state"),
            ValueLayout.JAVA_INT.withName("tgid"),
            ValueLayout.JAVA_INT.withName("kernel_stack_id"),
            ValueLayout.JAVA_INT.withName("user_stack_id"),
            ValueLayout.JAVA_INT.withName("stack_slot"),
            MemoryLayout.sequenceLayout(BpfContract.TASK_COMM_LEN, ValueLayout.JAVA_BYTE)
                    .withName("comm"),
            ValueLayout.JAVA_INT.withName("cpu"),
            ValueLayout.JAVA_INT.withName("reserved"));

    private static final long START = offset("start_ns");
    private static final long ACCOUNTED = offset("accounted_ns");
    private static final long CGROUP = offset("cgroup_id");
    private static final long STATE = offset("prev_state");
    private static final long TGID = offset("tgid");
    private static final long KERNEL_STACK = offset("kernel_stack_id");
    private static final long USER_STACK = offset("user_stack_id");
    private static final long STACK_SLOT = offset("stack_slot");
    private static final long COMM = offset("comm");
    private static final long CPU = offset("cpu");

    private static long offset(String field) {
        return LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    static OffCpuTask read(MemorySegment task) {
        return new OffCpuTask(
                task.get(ValueLayout.JAVA_LONG_UNALIGNED, START),
                task.get(ValueLayout.JAVA_LONG_UNALIGNED, ACCOUNTED),
                task.get(ValueLayout.JAVA_LONG_UNALIGNED, CGROUP),
                task.get(ValueLayout.JAVA_LONG_UNALIGNED, STATE),
                task.get(ValueLayout.JAVA_INT_UNALIGNED, TGID),
                task.get(ValueLayout.JAVA_INT_UNALIGNED, KERNEL_STACK),
                task.get(ValueLayout.JAVA_INT_UNALIGNED, USER_STACK),
                task.get(ValueLayout.JAVA_INT_UNALIGNED, STACK_SLOT),
                task.asSlice(COMM, BpfContract.TASK_COMM_LEN).toArray(ValueLayout.JAVA_BYTE),
                task.get(ValueLayout.JAVA_INT_UNALIGNED, CPU));
    }

    void write(MemorySegment task) {
        task.set(ValueLayout.JAVA_LONG_UNALIGNED, START, startNanos);
        task.set(ValueLayout.JAVA_LONG_UNALIGNED, ACCOUNTED, accountedNanos);
        task.set(ValueLayout.JAVA_LONG_UNALIGNED, CGROUP, cgroupId);
        task.set(ValueLayout.JAVA_LONG_UNALIGNED, STATE, prevState);
        task.set(ValueLayout.JAVA_INT_UNALIGNED, TGID, tgid);
        task.set(ValueLayout.JAVA_INT_UNALIGNED, KERNEL_STACK, kernelStackId);
        task.set(ValueLayout.JAVA_INT_UNALIGNED, USER_STACK, userStackId);
        task.set(ValueLayout.JAVA_INT_UNALIGNED, STACK_SLOT, stackSlot);
        MemorySegment.copy(MemorySegment.ofArray(comm), 0, task, COMM, BpfContract.TASK_COMM_LEN);
        task.set(ValueLayout.JAVA_INT_UNALIGNED, CPU, cpu);
    }

    /** The same task with its stacks now held by the agent under ids of its own. */
    OffCpuTask carried(long accountedUpTo, int carriedKernelStackId, int carriedUserStackId) {
        return new OffCpuTask(
                startNanos,
                accountedUpTo,
                cgroupId,
                prevState,
                tgid,
                carriedKernelStackId,
                carriedUserStackId,
                BpfContract.OFFCPU_STACKS_CARRIED,
                comm,
                cpu);
    }
}
