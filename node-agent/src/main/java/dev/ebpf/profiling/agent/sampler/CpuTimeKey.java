package dev.ebpf.profiling.agent.sampler;

import dev.ebpf.profiling.agent.bpf.StructFields;
import dev.ebpf.profiling.bpf.BpfContract;
import dev.ebpf.profiling.bpf.BpfStructs;
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

    /** struct cputime_key, generated from the BPF objects; its size is checked against the loaded map. */
    static final StructLayout LAYOUT = BpfStructs.CPUTIME_KEY;

    private static final long TGID = StructFields.offset(LAYOUT, "tgid", ValueLayout.JAVA_INT);
    private static final long CPU = StructFields.offset(LAYOUT, "cpu", ValueLayout.JAVA_INT);
    private static final long CGROUP = StructFields.offset(LAYOUT, "cgroup_id", ValueLayout.JAVA_LONG);
    private static final long COMM = StructFields.offset(LAYOUT, "comm", SampleKey.COMM_LAYOUT);

    static CpuTimeKey read(MemorySegment key) {
        return new CpuTimeKey(
                key.get(ValueLayout.JAVA_INT_UNALIGNED, TGID),
                key.get(ValueLayout.JAVA_INT_UNALIGNED, CPU),
                key.get(ValueLayout.JAVA_LONG_UNALIGNED, CGROUP),
                SampleKey.comm(key.asSlice(COMM, BpfContract.TASK_COMM_LEN)));
    }
}
