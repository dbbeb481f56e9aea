package dev.ebpf.profiling.agent.sampler;

import dev.ebpf.profiling.bpf.BpfContract;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * The key of the CPU time count maps: {@code struct cputime_key} of bpf/profiler.h.
 *
 * @param tgid     the process
 * @param cpu      the CPU the time was spent on (one program serves jobs with different CPU lists)
 * @param cgroupId the cgroup v2 id of the task
 * @param comm     the thread's name (so exited processes keep a name)
 */
public record CpuTimeKey(int tgid, int cpu, long cgroupId, String comm) {

    /** Mirrors struct cputime_key; its size is checked against the loaded map. */
    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("tgid"),
            ValueLayout.JAVA_INT.withName("cpu"),
            ValueLayout.JAVA_LONG.withName("cgroup_id"),
            MemoryLayout.sequenceLayout(BpfContract.TASK_COMM_LEN, ValueLayout.JAVA_BYTE)
                    .withName("comm"));

    private static final long TGID = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("tgid"));
    private static final long CPU = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("cpu"));
    private static final long CGROUP = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("cgroup_id"));
    private static final long COMM = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("comm"));

    static CpuTimeKey read(MemorySegment key) {
        return new CpuTimeKey(
                key.get(ValueLayout.JAVA_INT_UNALIGNED, TGID),
                key.get(ValueLayout.JAVA_INT_UNALIGNED, CPU),
                key.get(ValueLayout.JAVA_LONG_UNALIGNED, CGROUP),
                SampleKey.comm(key.asSlice(COMM, BpfContract.TASK_COMM_LEN)));
    }
}
