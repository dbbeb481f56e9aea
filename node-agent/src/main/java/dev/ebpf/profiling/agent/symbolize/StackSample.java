package dev.ebpf.profiling.agent.symbolize;

/**
 * What the sampler counted for one (process, stacks) key in a slice: the input of symbolization.
 * Instruction pointers are leaf first, as BPF stack-trace maps hold them. Either array may be
 * empty: a kernel-only thread has no user stack; a failed stack walk leaves its array empty.
 *
 * @param tgid        the process id (thread group id) in the root PID namespace
 * @param application the application the process belongs to (see the attribution)
 * @param userIps     user-space instruction pointers, process virtual addresses
 * @param kernelIps   kernel instruction pointers, kernel virtual addresses
 * @param count       how many samples had these stacks
 */
public record StackSample(int tgid, String application, long[] userIps, long[] kernelIps, long count) {

    public StackSample {
        if (application == null || userIps == null || kernelIps == null) {
            throw new IllegalArgumentException("a stack sample needs an application and ip arrays (may be empty)");
        }
        if (count <= 0) {
            throw new IllegalArgumentException("a stack sample's count must be positive, got " + count);
        }
    }
}
