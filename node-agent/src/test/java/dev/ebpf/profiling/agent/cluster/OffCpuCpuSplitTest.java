package dev.ebpf.profiling.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.bpf.SamplingEvent;
import dev.ebpf.profiling.agent.cgroup.CgroupMount;
import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import dev.ebpf.profiling.agent.profile.BlockedThreads;
import dev.ebpf.profiling.agent.sampler.OffCpuKey;
import dev.ebpf.profiling.agent.sampler.RawOffCpuSlice;
import dev.ebpf.profiling.agent.symbolize.KernelSymbols;
import dev.ebpf.profiling.agent.testsupport.PodCgroups;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.agent.testsupport.TestTags;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 9: the node's one off-CPU sampler serves two jobs selecting the same pod, one of them with
 * a CPU list; each job gets the time the pod's threads blocked on its CPUs only. Real eBPF on the
 * real sched_switch tracepoint, with blocked processes pinned to CPU 0 and to CPU 1.
 */
@Tag(TestTags.BPF)
class OffCpuCpuSplitTest {

    @BeforeEach
    void bpfAvailable() {
        RequiresRoot.assumeBpf();
        RequiresRoot.require(
                OnlineCpus.read().cpus().containsAll(List.of(0, 1)), "needs CPUs 0 and 1 to pin the sleepers");
    }

    @Test
    void aJobWithACpuListGetsOnlyTheTimeBlockedOnItsCpus() throws Exception {
        try (PodCgroups pod = PodCgroups.builder().container().build()) {
            PodCgroups.Container container = pod.container(0);
            // Blocked through the whole slice (tracked from the sampler's start, then carried at cuts).
            Process longOnCpu0 = container.start("taskset", "-c", "0", "sleep", "60");
            Process longOnCpu1 = container.start("taskset", "-c", "1", "sleep", "60");
            // Blocking 10 ms at a time: blocks that end (and begin again) inside the slice, in the kernel.
            String shortSleeps = "select(undef, undef, undef, 0.01) while 1";
            Process shortOnCpu0 = container.start("taskset", "-c", "0", "perl", "-e", shortSleeps);
            Process shortOnCpu1 = container.start("taskset", "-c", "1", "perl", "-e", shortSleeps);
            Thread.sleep(300); // the sleepers are asleep when the sampler starts
            long cgroup = container.cgroupId();
            BlockedThreads blockedNow =
                    new BlockedThreads(Path.of("/proc"), CgroupMount.findUnified(), KernelSymbols.load());

            RawOffCpuSlice allCpus;
            RawOffCpuSlice cpu1;
            try (SharedSamplers samplers = new SharedSamplers(SamplingEvent.CPU_CLOCK, blockedNow::scan)) {
                samplers.apply(new SharedSamplers.Plan(List.of(0, 1), 49, Set.of(cgroup), true));
                Thread.sleep(300);
                samplers.cut();
                Thread.sleep(3000);
                SharedSamplers.Cut cut = samplers.cut();
                JobSliceBuilder everyCpu = new JobSliceBuilder(null, true);
                JobSliceBuilder onlyCpu1 = new JobSliceBuilder(List.of(1), true);
                everyCpu.add(cut, id -> id == cgroup);
                onlyCpu1.add(cut, id -> id == cgroup);
                allCpus = everyCpu.offCpu();
                cpu1 = onlyCpu1.offCpu();
            }

            assertThat(allCpus).isNotNull();
            assertThat(cpu1).isNotNull();
            // Pinned, each process blocks only on its CPU, and its keys say so.
            for (Process process : List.of(longOnCpu0, shortOnCpu0)) {
                assertThat(cpusOf(allCpus, process)).containsExactly(0);
            }
            for (Process process : List.of(longOnCpu1, shortOnCpu1)) {
                assertThat(cpusOf(allCpus, process)).containsExactly(1);
            }
            // Each process is blocked nearly the whole slice (the short sleepers run microseconds a
            // sleep; a runnable thread waiting for its CPU is off it too): within 10 % on a busy machine.
            for (Process process : List.of(longOnCpu0, longOnCpu1, shortOnCpu0, shortOnCpu1)) {
                assertThat((double) allCpus.blockedNanosOf(process.pid()))
                        .as("blocked time of %s", process.info().commandLine().orElse("?"))
                        .isCloseTo((double) allCpus.durationNanos(), Percentage.withPercentage(10));
            }
            // The job with "cpus: 1" sees the CPU-1 processes' time, all of it, and none of CPU 0's.
            assertThat(cpu1.blocked().keySet())
                    .allSatisfy(key -> assertThat(key.cpu()).isEqualTo(1));
            for (Process process : List.of(longOnCpu0, shortOnCpu0)) {
                assertThat(cpu1.blockedNanosOf(process.pid())).isZero();
            }
            for (Process process : List.of(longOnCpu1, shortOnCpu1)) {
                assertThat(cpu1.blockedNanosOf(process.pid())).isEqualTo(allCpus.blockedNanosOf(process.pid()));
            }
        }
    }

    private static Set<Integer> cpusOf(RawOffCpuSlice slice, Process process) {
        return slice.blocked().keySet().stream()
                .filter(key -> key.tgid() == process.pid())
                .map(OffCpuKey::cpu)
                .collect(java.util.stream.Collectors.toSet());
    }
}
