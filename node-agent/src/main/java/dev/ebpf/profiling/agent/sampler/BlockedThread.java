package dev.ebpf.profiling.agent.sampler;

import java.util.List;

/**
 * A thread found off the CPU when off-CPU sampling starts: it left the CPU before the program was
 * attached, so the kernel side will never see its switch-out. The sampler tracks it from the start
 * as if it had switched out then.
 *
 * @param tid            the thread
 * @param tgid           its process
 * @param cgroupAncestry the ids of its cgroup (v2) and of each ancestor up to the root, own first
 * @param prevState      its state as sched_switch would report it (TASK_INTERRUPTIBLE 0x1, TASK_UNINTERRUPTIBLE 0x2)
 * @param lastCpu        the CPU it last ran on
 * @param comm           the thread's name
 * @param kernelStack    where it waits in the kernel (instruction pointers, innermost first), or null when unknown
 */
public record BlockedThread(
        int tid, int tgid, List<Long> cgroupAncestry, long prevState, int lastCpu, String comm, long[] kernelStack) {

    public BlockedThread {
        cgroupAncestry = List.copyOf(cgroupAncestry);
    }

    /** Its own cgroup's id, 0 when unknown. */
    public long cgroupId() {
        return cgroupAncestry.isEmpty() ? 0 : cgroupAncestry.getFirst();
    }
}
