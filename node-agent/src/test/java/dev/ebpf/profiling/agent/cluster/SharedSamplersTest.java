package dev.ebpf.profiling.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.bpf.BpfException;
import dev.ebpf.profiling.agent.bpf.SamplingEvent;
import dev.ebpf.profiling.agent.cgroup.CgroupMount;
import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import dev.ebpf.profiling.agent.sampler.BlockedThread;
import dev.ebpf.profiling.agent.sampler.CpuTimeSampler;
import dev.ebpf.profiling.agent.sampler.OffCpuSampler;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.agent.testsupport.TestTags;
import java.nio.file.Files;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: a node without what off-CPU needs (tracefs, the sched_switch tracepoint) still serves
 * its jobs on-CPU, says why once, and does not try again at every tick. The real on-CPU sampler
 * runs; the off-CPU start fails as it does on such a node (the refusal is injected: this machine
 * has tracefs).
 */
@Tag(TestTags.BPF)
class SharedSamplersTest {

    @Test
    void offCpuThatCannotStartLeavesOnCpuRunningAndSaysWhy() {
        RequiresRoot.assumeBpf();
        AtomicInteger starts = new AtomicInteger();
        String refusal = "the sched_switch tracepoint is not visible at /sys/kernel/tracing/events/sched/sched_switch:"
                + " tracefs is not mounted and mounting it failed";
        try (SharedSamplers samplers = new SharedSamplers(SamplingEvent.CPU_CLOCK, settings -> {
            starts.incrementAndGet();
            throw new BpfException(refusal);
        })) {
            SharedSamplers.Plan withOffCpu =
                    new SharedSamplers.Plan(OnlineCpus.read().cpus(), 49, Set.of(1L), true);

            samplers.apply(withOffCpu);
            samplers.apply(withOffCpu);
            SharedSamplers.Cut cut = samplers.cut();

            assertThat(samplers.offCpuUnavailable()).hasValue(refusal);
            assertThat(starts).as("tried once, not at every tick").hasValue(1);
            assertThat(cut.onCpu()).isNotNull();
            assertThat(cut.offCpu()).isNull();
        }
    }

    @Test
    void cpuTimeThatCannotStartFallsBackToSamplesAndSaysWhy() {
        RequiresRoot.assumeBpf();
        AtomicInteger starts = new AtomicInteger();
        String refusal = "running cpu_time_flush on CPU 0: Invalid argument";
        try (SharedSamplers samplers = new SharedSamplers(
                SamplingEvent.CPU_CLOCK,
                settings -> {
                    throw new BpfException("no off-CPU here");
                },
                settings -> {
                    starts.incrementAndGet();
                    throw new BpfException(refusal);
                })) {
            SharedSamplers.Plan plan = new SharedSamplers.Plan(OnlineCpus.read().cpus(), 49, Set.of(1L), false);

            samplers.apply(plan);
            samplers.apply(plan);
            SharedSamplers.Cut cut = samplers.cut();

            assertThat(samplers.cpuTimeUnavailable()).hasValue(refusal);
            assertThat(starts).as("tried once, with the on-CPU sampler").hasValue(1);
            assertThat(cut.onCpu()).isNotNull();
            assertThat(cut.cpuTime()).isNull();
        }
    }

    @Test
    void netRxThatCannotStartLeavesTheOtherSamplersRunningAndSaysWhy() {
        RequiresRoot.assumeBpf();
        AtomicInteger starts = new AtomicInteger();
        String refusal = "net-rx needs the tracepoint sock:sk_data_ready, which this kernel does not have"
                + " (no /sys/kernel/tracing/events/sock/sk_data_ready)";
        List<Integer> cpus = OnlineCpus.read().cpus();
        try (SharedSamplers samplers = new SharedSamplers(
                SamplingEvent.CPU_CLOCK,
                settings -> OffCpuSampler.start(settings, List::<BlockedThread>of),
                CpuTimeSampler::start,
                settings -> {
                    starts.incrementAndGet();
                    throw new BpfException(refusal);
                })) {
            SharedSamplers.Plan withNetRx = new SharedSamplers.Plan(cpus, 49, Set.of(1L), true, true);

            samplers.apply(withNetRx);
            samplers.apply(withNetRx);
            // What would restart a running net-rx sampler (other cgroups, other CPUs) does not retry it.
            samplers.apply(new SharedSamplers.Plan(cpus, 49, Set.of(1L, 2L), true, true));
            samplers.apply(new SharedSamplers.Plan(cpus.subList(0, 1), 49, Set.of(1L, 2L), true, true));
            SharedSamplers.Cut cut = samplers.cut();

            assertThat(samplers.netRxUnavailable()).hasValue(refusal);
            assertThat(starts).as("tried once, not at every apply").hasValue(1);
            assertThat(samplers.offCpuUnavailable()).isEmpty();
            assertThat(samplers.onCpuStarts()).isEqualTo(1);
            assertThat(cut.onCpu()).isNotNull();
            assertThat(cut.offCpu()).as("off-CPU goes on without net-rx").isNotNull();
            assertThat(cut.netRx()).isNull();
        }
    }

    @Test
    void cpuTimeIsCutWithTheSamplesAndFollowsTheCgroupFilter() throws Exception {
        RequiresRoot.assumeBpf();
        long root = (Long) Files.getAttribute(CgroupMount.findUnified().directory(), "unix:ino");
        try (SharedSamplers samplers = new SharedSamplers(SamplingEvent.CPU_CLOCK, () -> List.<BlockedThread>of())) {
            samplers.apply(new SharedSamplers.Plan(OnlineCpus.read().cpus(), 49, Set.of(root), false));
            samplers.cut();
            Thread.sleep(300);
            SharedSamplers.Cut everything = samplers.cut();
            assertThat(everything.cpuTime()).isNotNull();
            assertThat(everything.cpuTime().totalNanos())
                    .as("the root cgroup admits every task")
                    .isPositive();

            samplers.apply(new SharedSamplers.Plan(OnlineCpus.read().cpus(), 49, Set.of(), false));
            samplers.cut();
            Thread.sleep(300);
            assertThat(samplers.cut().cpuTime().nanos())
                    .as("an empty filter admits nothing")
                    .isEmpty();
        }
    }
}
