package dev.ebpf.profiling.agent.unwind;

import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_COUNTER_RULE_CACHE_HITS;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_COUNTER_STACKS;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_COUNTER_STACK_PAGES;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_COUNTER_TABLE_FRAMES;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import dev.ebpf.profiling.agent.sampler.OnCpuSampler;
import dev.ebpf.profiling.agent.sampler.Unwinding;
import dev.ebpf.profiling.agent.symbolize.FileIdentity;
import dev.ebpf.profiling.agent.symbolize.MemoryMapping;
import dev.ebpf.profiling.agent.symbolize.ProcessMaps;
import dev.ebpf.profiling.agent.testsupport.PodCgroups;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.agent.testsupport.TestTags;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The program's per-CPU rule cache in the real program: a rule never outlives the mappings it was
 * found in, even when the agent gives a process's entry the very block of {@code unwind_mappings}
 * it had before (blocks are reused once every other one was taken and a grace second passed)
 * with other mappings in it.
 */
@Tag(TestTags.BPF)
class RuleCacheLiveTest {

    private static final int HZ = 99;
    /** Samples of xz watched in each phase: every one of them is a chance to use a stale rule. */
    private static final long MIN_SAMPLES = 200;

    private static final long MINUTE_NANOS = 60_000_000_000L;

    @Test
    void aReusedBlockNeverServesRulesOfItsFormerMappings() throws Exception {
        RequiresRoot.assumeBpf();
        DwarfUnwindingLiveTest.Workload xz = DwarfUnwindingLiveTest.Workload.XZ;
        RequiresRoot.require(Files.isExecutable(xz.binary), xz.binary + " is not installed");
        try (PodCgroups pod = PodCgroups.builder().container().build()) {
            // Only xz's cgroup is sampled: nothing else is unwound, so nothing else touches the
            // cache while xz is stopped, and the kernel's counters are xz's alone.
            long cgroup = pod.container(0).cgroupId();
            try (OnCpuSampler sampler = OnCpuSampler.start(
                    OnCpuSampler.Settings.of(OnlineCpus.read().cpus(), HZ, Set.of(cgroup))
                            .withUnwinding(Unwinding.DWARF))) {
                DwarfUnwinder unwinder = sampler.unwinder().orElseThrow();
                // A small dictionary (-1): its set-up is over in milliseconds, so the rules
                // cached are those of the encoder's loop, which runs on after the reuse.
                Process process = pod.container(0).start(xz.binary.toString(), "-1", "-T1", "-c", "/dev/urandom");
                int pid = (int) process.pid();

                // 1. xz unwound with its real tables, long enough for its rules to be cached.
                awaitLoadedWithItsLibraries(unwinder, pid);
                long[] before = unwinder.kernelCounters();
                awaitSamples(sampler, pid);
                signal(pid, "STOP");
                long[] cached = unwinder.kernelCounters();
                assertThat(cached[UNWIND_COUNTER_RULE_CACHE_HITS] - before[UNWIND_COUNTER_RULE_CACHE_HITS])
                        .as("frames of xz whose rule came from the cache (else this test proves nothing)")
                        .isPositive();
                assertThat(cached[UNWIND_COUNTER_TABLE_FRAMES] - before[UNWIND_COUNTER_TABLE_FRAMES])
                        .as("frames of xz unwound by a table row before the reuse")
                        .isPositive();
                // Each unwound stack spans one page of xz's stack or more, and xz's frames are
                // small: a stack over 16 pages (64 KiB) deep would be a wrong count. The counters
                // are read one at a time, stacks (0) before pages (8), while xz may be sampled: a
                // sample between the two lookups of a read is in one counter and not the other.
                // xz is one thread, so a few at most; 2 x CPUs is ample.
                long stacks = cached[UNWIND_COUNTER_STACKS] - before[UNWIND_COUNTER_STACKS];
                long inFlight = 2L * OnlineCpus.read().cpus().size();
                assertThat(cached[UNWIND_COUNTER_STACK_PAGES] - before[UNWIND_COUNTER_STACK_PAGES])
                        .as("user stack pages spanned by %d unwound stacks of xz", stacks)
                        .isBetween(stacks - inFlight, 16 * stacks);
                Integer block = unwinder.blockOf(pid);

                // 2. Loaded again and again, until its entry gets that block back, now with one
                // mapping without rows over the whole address space (so that no pc asks for a
                // reload, which would write the real maps again).
                List<MemoryMapping> noRows = List.of(new MemoryMapping(0, -1L, true, 0, new FileIdentity("", 0), ""));
                long deadline = System.nanoTime() + MINUTE_NANOS;
                long loads = 0;
                do {
                    if (unwinder.load(pid, noRows)) {
                        loads++;
                    } else {
                        Thread.sleep(20); // every block taken: wait for retired ones' grace
                    }
                } while (!block.equals(unwinder.blockOf(pid)) && System.nanoTime() < deadline);
                assertThat(unwinder.blockOf(pid)).as("xz's block, reused").isEqualTo(block);
                assertThat(loads).as("loads until the block came back").isGreaterThan(1);

                // 3. Any frame found by a table row now used a rule of the block's former mappings.
                long[] reused = unwinder.kernelCounters();
                signal(pid, "CONT");
                long samples = awaitSamples(sampler, pid);
                signal(pid, "STOP");
                long[] after = unwinder.kernelCounters();
                assertThat(unwinder.blockOf(pid))
                        .as("xz's entry, unchanged meanwhile")
                        .isEqualTo(block);
                assertThat(samples).as("samples of xz after the reuse").isGreaterThanOrEqualTo(MIN_SAMPLES);
                assertThat(after[UNWIND_COUNTER_TABLE_FRAMES] - reused[UNWIND_COUNTER_TABLE_FRAMES])
                        .as("frames of xz unwound by a table row where its mappings have none (stale cached rules)")
                        .isZero();
            }
        }
    }

    /** Until the agent wrote xz's entry after liblzma was mapped (xz is sampled while it starts). */
    private static void awaitLoadedWithItsLibraries(DwarfUnwinder unwinder, int pid) throws Exception {
        long deadline = System.nanoTime() + MINUTE_NANOS;
        Path maps = Path.of("/proc", Integer.toString(pid), "maps");
        while (System.nanoTime() < deadline) {
            boolean mapped = ProcessMaps.read(maps).mappings().stream()
                    .anyMatch(mapping -> mapping.moduleName().startsWith("liblzma"));
            if (mapped) {
                // Written from the maps as they are now: the reader may be loading it meanwhile.
                assertThat(unwinder.load(pid, ProcessMaps.read(maps).mappings()))
                        .isTrue();
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("xz did not map liblzma within a minute");
    }

    /** Cuts slices until the sampler saw at least MIN_SAMPLES of pid (within a minute); their count. */
    private static long awaitSamples(OnCpuSampler sampler, int pid) throws InterruptedException {
        sampler.cut();
        long samples = 0;
        long deadline = System.nanoTime() + MINUTE_NANOS;
        while (samples < MIN_SAMPLES && System.nanoTime() < deadline) {
            Thread.sleep(1000);
            samples += DwarfUnwindingLiveTest.samplesOf(sampler.cut(), pid);
        }
        return samples;
    }

    /** Sends SIGSTOP or SIGCONT, and waits until the process is stopped or running again. */
    private static void signal(int pid, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Integer.toString(pid)).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0)
                .as("kill -%s %d", signal, pid)
                .isTrue();
        boolean stop = signal.equals("STOP");
        Path stat = Path.of("/proc", Integer.toString(pid), "stat");
        long deadline = System.nanoTime() + MINUTE_NANOS;
        while (System.nanoTime() < deadline) {
            String text = Files.readString(stat);
            // The state follows the command name in parentheses: T when stopped.
            char state = text.charAt(text.lastIndexOf(')') + 2);
            if ((state == 'T') == stop) {
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("process " + pid + " did not " + (stop ? "stop" : "continue"));
    }
}
