package dev.ebpf.profiling.agent.cli;

import dev.ebpf.profiling.agent.cgroup.CgroupMount;
import dev.ebpf.profiling.agent.cgroup.CgroupResolver;
import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import dev.ebpf.profiling.agent.output.SliceWriter;
import dev.ebpf.profiling.agent.profile.BlockedThreads;
import dev.ebpf.profiling.agent.profile.NodeName;
import dev.ebpf.profiling.agent.profile.ProfileRun;
import dev.ebpf.profiling.agent.profile.SliceAnalyzer;
import dev.ebpf.profiling.agent.profile.SliceClock;
import dev.ebpf.profiling.agent.sampler.OffCpuSampler;
import dev.ebpf.profiling.agent.sampler.OnCpuSampler;
import dev.ebpf.profiling.agent.sampler.RawOffCpuSlice;
import dev.ebpf.profiling.agent.sampler.RawSlice;
import dev.ebpf.profiling.agent.symbolize.MappingTracker;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** {@code node-agent profile}: sample this machine and print the top applications per slice. */
final class ProfileCommand {

    private ProfileCommand() {}

    static int run(List<String> args, PrintStream out) {
        ProfileOptions options = ProfileOptions.parse(args, OnlineCpus.read());
        Privileges.requireBpfPrivileges(Privileges.SELF_STATUS);
        CgroupResolver cgroups = CgroupResolver.forThisMachine();
        Set<Long> allowed = cgroupIds(options.cgroups(), cgroups);
        SliceAnalyzer analyzer =
                SliceAnalyzer.forThisMachine(NodeName.current(), cgroups, options.top(), options.hotspots());
        int slices = SliceClock.cutOffsets(options.duration(), options.slice()).size();
        // Mappings are learnt from before the first sample, so processes that exit keep their frames.
        try (MappingTracker mappings = analyzer.trackMappings();
                SliceWriter writer = SliceWriter.open(options.format(), options.output(), out, slices);
                OnCpuSampler onCpu = OnCpuSampler.start(
                        OnCpuSampler.Settings.of(options.cpus().cpus(), options.frequencyHz(), allowed));
                OffCpuSampler offCpu = options.offCpu()
                        ? OffCpuSampler.start(
                                new OffCpuSampler.Settings(
                                        options.cpus().cpus(),
                                        allowed,
                                        options.minBlock().toNanos()),
                                // Waits already under way when sampling starts count too.
                                new BlockedThreads(
                                        Path.of("/proc"), CgroupMount.findUnified(), analyzer.kernelSymbols())::scan)
                        : null) {
            analyzer.limitations()
                    .forEach(limitation -> System.err.println("node-agent: warning: " + limitation.message()));
            // Both samplers start their first slice now, together.
            onCpu.cut();
            if (offCpu != null) {
                offCpu.cut();
            }
            ProfileRun.run(options.duration(), options.slice(), () -> {
                RawSlice onCpuSlice = onCpu.cut();
                RawOffCpuSlice offCpuSlice = offCpu == null ? null : offCpu.cut();
                writer.write(analyzer.analyze(onCpuSlice, offCpuSlice));
            });
        } catch (IOException e) {
            throw new UsageException("cannot write " + options.output() + ": " + e.getMessage());
        }
        return Main.EXIT_OK;
    }

    private static Set<Long> cgroupIds(List<String> paths, CgroupResolver cgroups) {
        Set<Long> ids = new LinkedHashSet<>();
        for (String path : paths) {
            try {
                ids.add(cgroups.idOf(path));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--cgroup: " + e.getMessage());
            }
        }
        return ids;
    }
}
