package dev.ebpf.profiling.agent.sampler;

import dev.ebpf.profiling.bpf.BpfContract;

/**
 * What an off-CPU slice counts blocked time under.
 *
 * @param tgid          the process
 * @param cgroupId      the cgroup v2 id of the task when it went off the CPU
 * @param kernelStackId id in {@link RawOffCpuSlice#stacks()} of the kernel stack taken at switch-out,
 *                      or {@link BpfContract#NO_STACK_ID}
 * @param userStackId   id in {@link RawOffCpuSlice#stacks()} of the user stack taken at switch-out,
 *                      or {@link BpfContract#NO_STACK_ID}
 * @param comm          the thread's name when it went off the CPU
 * @param prevState     {@code prev_state} of sched_switch as the kernel reports it: 0x1 S, 0x2 D, ...,
 *                      and TASK_REPORT_MAX (0x100 on current kernels) for a preempted, still runnable task
 * @param cpu           the CPU the thread was switched out on (where it blocked): a job with a CPU
 *                      list takes the time blocked on its CPUs, as the in-kernel CPU filter does
 */
public record OffCpuKey(
        int tgid, long cgroupId, int kernelStackId, int userStackId, String comm, long prevState, int cpu) {

    public boolean hasKernelStack() {
        return kernelStackId != BpfContract.NO_STACK_ID;
    }

    public boolean hasUserStack() {
        return userStackId != BpfContract.NO_STACK_ID;
    }
}
