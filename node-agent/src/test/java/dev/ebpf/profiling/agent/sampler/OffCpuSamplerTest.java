package dev.ebpf.profiling.agent.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.bpf.BpfObject;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real off-CPU program on the real sched_switch tracepoint, watching real blocked processes (as root). */
class OffCpuSamplerTest {

    private static final long MILLIS = 1_000_000;
    /** prev_state of a task in interruptible sleep (S). */
    private static final long STATE_S = 0x1;
    private static final List<Integer> ALL_CPUS = List.of(0, 1);

    @BeforeEach
    void bpfAvailable() {
        RequiresRoot.assumeRoot();
        RequiresRoot.require(Files.isReadable(BpfObject.KERNEL_BTF), "needs kernel BTF at " + BpfObject.KERNEL_BTF);
    }

    private static Map<OffCpuKey, BlockedTime> of(RawOffCpuSlice slice, long pid) {
        return slice.blocked().entrySet().stream().filter(e -> e.getKey().tgid() == pid)
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    @Test
    void aPipeReaderAndASleeperAreBlockedForTheWholeSliceInStateS() throws Exception {
        try (OffCpuProcesses processes = new OffCpuProcesses();
             OffCpuSampler sampler = OffCpuSampler.start(new OffCpuSampler.Settings(ALL_CPUS, Set.of(), MILLIS))) {
            Process reader = processes.pipeReader();
            Process sleeper = processes.sleeper(-1);
            Thread.sleep(300);
            sampler.cut();
            Thread.sleep(3000);
            RawOffCpuSlice slice = sampler.cut();

            for (Process process : List.of(reader, sleeper)) {
                Map<OffCpuKey, BlockedTime> blocked = of(slice, process.pid());
                assertThat((double) slice.blockedNanosOf(process.pid())).as("blocked time of %s", process.info().command())
                        .isCloseTo(slice.durationNanos(), Percentage.withPercentage(10));
                assertThat(blocked.keySet()).allSatisfy(key -> {
                    assertThat(key.prevState()).isEqualTo(STATE_S);
                    assertThat(key.hasKernelStack()).isTrue();
                    assertThat(slice.stacks()).containsKey(key.kernelStackId());
                });
                // Still blocked at the cut: reported as going on, not as ended.
                assertThat(blocked.values()).allSatisfy(time -> assertThat(time.ongoing()).isEqualTo(1));
            }
            assertThat(of(slice, reader.pid()).keySet()).allSatisfy(key -> assertThat(key.comm()).isEqualTo("sh"));
            assertThat(of(slice, sleeper.pid()).keySet()).allSatisfy(key -> assertThat(key.comm()).isEqualTo("sleep"));
        }
    }
}
