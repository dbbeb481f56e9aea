package dev.ebpf.profiling.agent.hotspot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.symbolize.HotLoopProgram;
import dev.ebpf.profiling.agent.symbolize.KernelSymbols;
import dev.ebpf.profiling.agent.symbolize.SliceSymbols;
import dev.ebpf.profiling.agent.symbolize.StackSample;
import dev.ebpf.profiling.agent.symbolize.SymbolizedStack;
import dev.ebpf.profiling.agent.symbolize.Symbolizer;
import dev.ebpf.profiling.api.profile.Frame;
import dev.ebpf.profiling.api.profile.Hotspot;
import dev.ebpf.profiling.api.profile.Location;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * From instruction pointers of a live process to hotspots: the C fixture's hot function is an
 * application hotspot named at the leaf; a write(2) stack through this kernel's real addresses is
 * a kernel hotspot. The sampler's part (real eBPF stacks) is tested end to end elsewhere.
 */
class HotspotPipelineLiveTest {

    @TempDir
    Path directory;

    /** Addresses of real kernel text symbols, from this machine's kallsyms. */
    private static Map<String, Long> kernelAddresses(List<String> names) throws IOException {
        return Files.readAllLines(KernelSymbols.PROC_KALLSYMS).stream()
                .map(line -> line.split("\\s+"))
                .filter(fields -> fields.length == 3 && names.contains(fields[2]))
                .collect(Collectors.toMap(
                        fields -> fields[2],
                        fields -> Long.parseUnsignedLong(fields[0], 16),
                        (first, second) -> first));
    }

    @Test
    void theHotFunctionIsAnApplicationHotspotAndAWriteIsAKernelOne() throws Exception {
        List<String> kernelPath = List.of("vfs_write", "ksys_write", "do_syscall_64");
        Map<String, Long> kernel = kernelAddresses(kernelPath);
        HotspotAnalyzer analyzer = new HotspotAnalyzer(new VerdictRules(FrameRules.kernelSubsystems()));
        try (HotLoopProgram.Running running = HotLoopProgram.compile(directory).start(true)) {
            int pid = running.pid();
            long hot = running.hotFunctionAddress();
            SliceSymbols slice = new Symbolizer(KernelSymbols.load()).snapshot(List.of(pid));
            long[] kernelIps =
                    kernelPath.stream().mapToLong(name -> kernel.get(name) + 4).toArray();

            List<SymbolizedStack> stacks = slice.symbolize(List.of(
                    new StackSample(pid, "hot_loop", new long[] {hot + 4}, new long[0], 90),
                    new StackSample(pid, "hot_loop", new long[] {hot + 8}, kernelIps, 10)));
            List<Hotspot> hotspots =
                    analyzer.analyze(stacks, List.of("hot_loop"), 5).of("hot_loop");

            assertThat(hotspots).hasSize(2);
            Hotspot top = hotspots.getFirst();
            assertThat(top.location()).isEqualTo(Location.APPLICATION);
            assertThat(top.frames().getFirst().function()).isEqualTo(HotLoopProgram.HOT_FUNCTION);
            assertThat(top.percentOfApplication()).isEqualTo(90.0);
            Hotspot write = hotspots.get(1);
            assertThat(write.location()).isEqualTo(Location.KERNEL);
            assertThat(write.subsystem()).isEqualTo("filesystem");
            assertThat(write.frames())
                    .extracting(Frame::function)
                    .containsExactly("vfs_write", "ksys_write", "do_syscall_64", HotLoopProgram.HOT_FUNCTION);
        }
    }
}
