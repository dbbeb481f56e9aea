package dev.ebpf.profiling.agent.sampler;

import dev.ebpf.profiling.agent.bpf.StructFields;
import dev.ebpf.profiling.bpf.BpfContract;
import dev.ebpf.profiling.bpf.BpfStructs;
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

    /** struct offcpu_task, generated from the BPF objects. */
    static final StructLayout LAYOUT = BpfStructs.OFFCPU_TASK;

    private static final long START = StructFields.offset(LAYOUT, "start_ns", ValueLayout.JAVA_LONG);
    private static final long ACCOUNTED = StructFields.offset(LAYOUT, "accounted_ns", ValueLayout.JAVA_LONG);
    private static final long CGROUP = StructFields.offset(LAYOUT, "cgroup_id", ValueLayout.JAVA_LONG);
    private static final long STATE = StructFields.offset(LAYOUT, "prev_state", ValueLayout.JAVA_LONG);
    private static final long TGID = StructFields.offset(LAYOUT, "tgid", ValueLayout.JAVA_INT);
    private static final long KERNEL_STACK = StructFields.offset(LAYOUT, "kernel_stack_id", ValueLayout.JAVA_INT);
    private static final long USER_STACK = StructFields.offset(LAYOUT, "user_stack_id", ValueLayout.JAVA_INT);
    private static final long STACK_SLOT = StructFields.offset(LAYOUT, "stack_slot", ValueLayout.JAVA_INT);
    private static final long COMM = StructFields.offset(LAYOUT, "comm", SampleKey.COMM_LAYOUT);
    private static final long CPU = StructFields.offset(LAYOUT, "cpu", ValueLayout.JAVA_INT);

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
