package dev.ebpf.profiling.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.bpf.SamplingEvent;
import dev.ebpf.profiling.agent.cgroup.CgroupMount;
import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import dev.ebpf.profiling.agent.netrx.NetReceiver;
import dev.ebpf.profiling.agent.profile.BlockedThreads;
import dev.ebpf.profiling.agent.sampler.NetRxAppCount;
import dev.ebpf.profiling.agent.sampler.NetRxSocketWait;
import dev.ebpf.profiling.agent.sampler.RawNetRxSlice;
import dev.ebpf.profiling.agent.symbolize.KernelSymbols;
import dev.ebpf.profiling.agent.testsupport.PodCgroups;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.agent.testsupport.TestTags;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11: the node's one net-rx sampler serves a job per CPU selecting the same pod; each job
 * gets the reads its pod did on its CPUs only (the program keys reads by the reader's CPU). Real
 * eBPF on the real sock tracepoints, with one UDP receiver pinned to CPU 0 and one to CPU 1.
 */
@Tag(TestTags.BPF)
class NetRxCpuSplitTest {

    @TempDir
    Path work;

    @BeforeEach
    void bpfAvailable() {
        RequiresRoot.assumeBpf();
        RequiresRoot.require(
                OnlineCpus.read().cpus().containsAll(List.of(0, 1)), "needs CPUs 0 and 1 to pin the readers");
    }

    @Test
    @SuppressWarnings("try") // NetReceiver.close() may throw InterruptedException (it joins its sender)
    void aJobWithACpuListGetsOnlyTheReadsDoneOnItsCpus() throws Exception {
        Path binary = NetReceiver.compile(work);
        try (PodCgroups pod = PodCgroups.builder().container().build()) {
            PodCgroups.Container container = pod.container(0);
            long cgroup = container.cgroupId();
            BlockedThreads blockedNow =
                    new BlockedThreads(Path.of("/proc"), CgroupMount.findUnified(), KernelSymbols.load());
            RawNetRxSlice allCpus;
            RawNetRxSlice cpu0;
            RawNetRxSlice cpu1;
            long onCpu0;
            long onCpu1;
            try (SharedSamplers samplers = new SharedSamplers(SamplingEvent.CPU_CLOCK, blockedNow::scan);
                    NetReceiver reader0 = NetReceiver.start(
                            binary, container, NetReceiver.Protocol.UDP, NetReceiver.Pause.AT_ONCE, 0, 0);
                    NetReceiver reader1 = NetReceiver.start(
                            binary, container, NetReceiver.Protocol.UDP, NetReceiver.Pause.AT_ONCE, 0, 1)) {
                onCpu0 = reader0.pid();
                onCpu1 = reader1.pid();
                samplers.apply(new SharedSamplers.Plan(List.of(0, 1), 49, Set.of(cgroup), false, true));
                Thread.sleep(300);
                samplers.cut();
                Thread.sleep(3000);
                SharedSamplers.Cut cut = samplers.cut();
                JobSliceBuilder everyCpu = new JobSliceBuilder(null, false, true);
                JobSliceBuilder onlyCpu0 = new JobSliceBuilder(List.of(0), false, true);
                JobSliceBuilder onlyCpu1 = new JobSliceBuilder(List.of(1), false, true);
                for (JobSliceBuilder job : List.of(everyCpu, onlyCpu0, onlyCpu1)) {
                    job.add(cut, id -> id == cgroup);
                }
                allCpus = everyCpu.netRx();
                cpu0 = onlyCpu0.netRx();
                cpu1 = onlyCpu1.netRx();
            }

            // Pinned, each reader reads only on its CPU, and its keys say so; a sender every ms
            // for 3 s gives each hundreds of reads even on a loaded machine.
            assertThat(cpusOf(allCpus, onCpu0)).containsExactly(0);
            assertThat(cpusOf(allCpus, onCpu1)).containsExactly(1);
            assertThat(allCpus.applicationOf(onCpu0).reads()).isGreaterThan(100);
            assertThat(allCpus.applicationOf(onCpu1).reads()).isGreaterThan(100);
            // Each job gets its CPU's reader, all of its reads and waits, and nothing of the other.
            assertJobHasOnly(cpu0, 0, onCpu0, onCpu1, allCpus);
            assertJobHasOnly(cpu1, 1, onCpu1, onCpu0, allCpus);
        }
    }

    private static void assertJobHasOnly(RawNetRxSlice job, int cpu, long reader, long other, RawNetRxSlice all) {
        assertThat(job.applications()).allSatisfy(app -> assertThat(app.cpu()).isEqualTo(cpu));
        assertThat(job.socketWaits()).allSatisfy(wait -> assertThat(wait.cpu()).isEqualTo(cpu));
        assertThat(job.applicationOf(other)).isNull();
        assertThat(job.socketWaits()).noneMatch(wait -> wait.tgid() == other);
        NetRxAppCount mine = job.applicationOf(reader);
        NetRxAppCount everything = all.applicationOf(reader);
        assertThat(mine.reads()).isEqualTo(everything.reads());
        assertThat(mine.bytes()).isEqualTo(everything.bytes());
        assertThat(readsPerSocket(job, reader)).isEqualTo(readsPerSocket(all, reader));
    }

    private static java.util.Map<Long, Long> readsPerSocket(RawNetRxSlice slice, long tgid) {
        return slice.socketWaits().stream()
                .filter(wait -> wait.tgid() == tgid)
                .collect(java.util.stream.Collectors.groupingBy(
                        NetRxSocketWait::socket, java.util.stream.Collectors.summingLong(NetRxSocketWait::reads)));
    }

    private static Set<Integer> cpusOf(RawNetRxSlice slice, long tgid) {
        return slice.applications().stream()
                .filter(app -> app.tgid() == tgid)
                .map(NetRxAppCount::cpu)
                .collect(java.util.stream.Collectors.toSet());
    }
}
