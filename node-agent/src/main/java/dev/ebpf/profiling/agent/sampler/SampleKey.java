package dev.ebpf.profiling.agent.sampler;

import dev.ebpf.profiling.agent.bpf.StructFields;
import dev.ebpf.profiling.bpf.BpfContract;
import dev.ebpf.profiling.bpf.BpfStructs;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * The key of the on-CPU count maps: {@code struct sample_key} of bpf/profiler.h.
 *
 * @param tgid          the process
 * @param cgroupId      the cgroup v2 id of the task (its directory's inode)
 * @param kernelStackId stack id in the slot's stack map, or {@link BpfContract#NO_STACK_ID}
 * @param userStackId   stack id in the slot's stack map, or {@link BpfContract#NO_STACK_ID}
 * @param comm          the thread's name when sampled (so exited processes keep a name)
 * @param cpu           the CPU the sample was taken on (one sampler serves jobs with different CPU lists)
 */
public record SampleKey(int tgid, long cgroupId, int kernelStackId, int userStackId, String comm, int cpu) {

    /** A key whose CPU does not matter (tests, single-job slices). */
    public SampleKey(int tgid, long cgroupId, int kernelStackId, int userStackId, String comm) {
        this(tgid, cgroupId, kernelStackId, userStackId, comm, 0);
    }

    /** The same samples with other stack ids (stacks renumbered when slices are merged). */
    public SampleKey withStackIds(int kernelStackId, int userStackId) {
        return new SampleKey(tgid, cgroupId, kernelStackId, userStackId, comm, cpu);
    }

    /** How the agent reads a task comm: char comm[TASK_COMM_LEN]. */
    static final MemoryLayout COMM_LAYOUT =
            MemoryLayout.sequenceLayout(BpfContract.TASK_COMM_LEN, ValueLayout.JAVA_BYTE);

    /** struct sample_key, generated from the BPF objects; its size is checked against the loaded map. */
    static final StructLayout LAYOUT = BpfStructs.SAMPLE_KEY;

    private static final long TGID = StructFields.offset(LAYOUT, "tgid", ValueLayout.JAVA_INT);
    private static final long KERNEL_STACK = StructFields.offset(LAYOUT, "kernel_stack_id", ValueLayout.JAVA_INT);
    private static final long CGROUP = StructFields.offset(LAYOUT, "cgroup_id", ValueLayout.JAVA_LONG);
    private static final long USER_STACK = StructFields.offset(LAYOUT, "user_stack_id", ValueLayout.JAVA_INT);
    private static final long CPU = StructFields.offset(LAYOUT, "cpu", ValueLayout.JAVA_INT);
    private static final long COMM = StructFields.offset(LAYOUT, "comm", COMM_LAYOUT);

    static SampleKey read(MemorySegment key) {
        return new SampleKey(
                key.get(ValueLayout.JAVA_INT_UNALIGNED, TGID),
                key.get(ValueLayout.JAVA_LONG_UNALIGNED, CGROUP),
                key.get(ValueLayout.JAVA_INT_UNALIGNED, KERNEL_STACK),
                key.get(ValueLayout.JAVA_INT_UNALIGNED, USER_STACK),
                comm(key.asSlice(COMM, BpfContract.TASK_COMM_LEN)),
                key.get(ValueLayout.JAVA_INT_UNALIGNED, CPU));
    }

    /** A NUL-padded task comm as a string; the off-CPU keys read theirs the same way. */
    static String comm(MemorySegment bytes) {
        byte[] raw = bytes.toArray(ValueLayout.JAVA_BYTE);
        int length = 0;
        while (length < raw.length && raw[length] != 0) {
            length++;
        }
        return new String(raw, 0, length, StandardCharsets.UTF_8);
    }

    public boolean hasKernelStack() {
        return kernelStackId != BpfContract.NO_STACK_ID;
    }

    public boolean hasUserStack() {
        return userStackId != BpfContract.NO_STACK_ID;
    }
}
