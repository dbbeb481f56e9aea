package dev.ebpf.profiling.agent.cli;

import dev.ebpf.profiling.agent.bpf.BpfException;
import dev.ebpf.profiling.agent.cgroup.CgroupMount;
import dev.ebpf.profiling.agent.cgroup.CgroupResolver;
import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import dev.ebpf.profiling.agent.hotspot.HotspotAnalyzer;
import dev.ebpf.profiling.agent.output.SliceWriter;
import dev.ebpf.profiling.agent.profile.BlockedThreads;
import dev.ebpf.profiling.agent.profile.NodeName;
import dev.ebpf.profiling.agent.profile.ProfileRun;
import dev.ebpf.profiling.agent.profile.SliceAnalyzer;
import dev.ebpf.profiling.agent.profile.SliceClock;
import dev.ebpf.profiling.agent.sampler.CpuTimeSampler;
import dev.ebpf.profiling.agent.sampler.NetRxSampler;
import dev.ebpf.profiling.agent.sampler.OffCpuSampler;
import dev.ebpf.profiling.agent.sampler.OnCpuSampler;
import dev.ebpf.profiling.agent.sampler.RawCpuTimeSlice;
import dev.ebpf.profiling.agent.sampler.RawNetRxSlice;
import dev.ebpf.profiling.agent.sampler.RawOffCpuSlice;
import dev.ebpf.profiling.agent.sampler.RawSlice;
import dev.ebpf.profiling.agent.symbolize.MappingTracker;
import dev.ebpf.profiling.api.ingest.AgentLimitation;
import dev.ebpf.profiling.api.job.CpuList;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code node-agent profile}: sample this machine and print the top applications per slice. */
@Command(
        name = "profile",
        mixinStandardHelpOptions = true,
        versionProvider = AgentVersion.class,
        showDefaultValues = true,
        description = {
            "Samples this machine with eBPF and prints, per time slice, the busiest applications (pods,"
                    + " containers or processes) and their hottest stacks, each with a verdict: the"
                    + " application's own code, a library's, or the kernel's (with its subsystem).",
            "Needs root (or CAP_BPF and CAP_PERFMON)."
        })
final class ProfileCommand implements Callable<Integer> {

    @Option(
            names = "--duration",
            paramLabel = "DURATION",
            description = "How long to profile (10s, 500ms, 2m, 1h; plain numbers are seconds).")
    String duration = ProfileOptions.DEFAULT_DURATION;

    @Option(names = "--frequency", paramLabel = "HZ", description = "On-CPU samples per second per CPU, 1 to 1000.")
    String frequency = Integer.toString(ProfileOptions.DEFAULT_FREQUENCY_HZ);

    @Option(
            names = "--cpus",
            paramLabel = "LIST",
            description = "CPUs to sample, such as 0,2-3 (default: every online CPU).")
    String cpus;

    @Option(
            names = "--cgroup",
            paramLabel = "PATH",
            description = "Keep only this cgroup (v2 path) and its descendants; repeat for several.")
    List<String> cgroups = new ArrayList<>();

    @Option(
            names = "--slice",
            paramLabel = "DURATION",
            description = "Length of one time slice; the last may be shorter (default: the whole duration).")
    String slice;

    @Option(names = "--top", paramLabel = "N", description = "Applications to list per slice, 1 to 1000.")
    String top = Integer.toString(ProfileOptions.DEFAULT_TOP);

    @Option(
            names = "--hotspots",
            paramLabel = "N",
            description = "Hottest stacks to list per application, 0 to " + ProfileOptions.MAX_HOTSPOTS + ".")
    String hotspots = Integer.toString(HotspotAnalyzer.DEFAULT_HOTSPOTS);

    @Option(
            names = "--off-cpu",
            description = "Also measure where applications block off the CPU, and why (sched_switch).")
    boolean offCpu;

    @Option(
            names = "--min-block",
            paramLabel = "DURATION",
            description = "With --off-cpu: blocks shorter than this are ignored in the kernel.")
    String minBlock = ProfileOptions.DEFAULT_MIN_BLOCK;

    @Option(
            names = "--net-rx",
            description = "Also measure the network receive path: how long received TCP/UDP data waits"
                    + " before each application reads it, why the reader was late, and NET_RX/NET_TX softirq"
                    + " time per CPU. Runs the off-CPU sampler too (the late readers' blocked stacks).")
    boolean netRx;

    @Option(
            names = "--format",
            paramLabel = "FORMAT",
            description = "table, json, folded, pprof or svg (pprof and svg write one file per slice).")
    String format = "table";

    @Option(names = "--output", paramLabel = "FILE", description = "Write to this file instead of standard output.")
    Path output;

    @Option(
            names = "--unwind",
            paramLabel = "HOW",
            description = "How user stacks are walked: dwarf (.eh_frame tables in the kernel: stacks through"
                    + " code without frame pointers reach main) or fp (frame pointers only: cheaper, shallow"
                    + " stacks in most distribution binaries).")
    String unwind = ProfileOptions.DEFAULT_UNWIND;

    private final PrintStream out;

    /** @param out where slices go when there is no --output */
    ProfileCommand(PrintStream out) {
        this.out = out;
    }

    /** The options as given, checked: every problem is a UsageException naming its option. */
    ProfileOptions options(CpuList online) {
        return ProfileOptions.of(
                duration, frequency, cpus, cgroups, slice, top, hotspots, offCpu, minBlock, netRx, format, output,
                unwind, online);
    }

    @Override
    public Integer call() {
        ProfileOptions options = options(OnlineCpus.read());
        Privileges.requireBpfPrivileges(Privileges.SELF_STATUS);
        CgroupResolver cgroups = CgroupResolver.forThisMachine();
        Set<Long> allowed = cgroupIds(options.cgroups(), cgroups);
        SliceAnalyzer analyzer =
                SliceAnalyzer.forThisMachine(NodeName.current(), cgroups, options.top(), options.hotspots());
        int slices = SliceClock.cutOffsets(options.duration(), options.slice()).size();
        // Mappings are learnt from before the first sample, so processes that exit keep their frames.
        try (MappingTracker _ = analyzer.trackMappings();
                SliceWriter writer = SliceWriter.open(options.format(), options.output(), out, slices);
                OnCpuSampler onCpu = OnCpuSampler.start(
                        OnCpuSampler.Settings.of(options.cpus().cpus(), options.frequencyHz(), allowed)
                                .withUnwinding(options.unwinding()));
                // lateBecause of --net-rx needs the late readers' blocked stacks: off-CPU runs with it.
                OffCpuSampler offCpu = options.offCpu() || options.netRx()
                        ? OffCpuSampler.start(
                                new OffCpuSampler.Settings(
                                        options.cpus().cpus(),
                                        allowed,
                                        options.minBlock().toNanos()),
                                // Waits already under way when sampling starts count too.
                                new BlockedThreads(
                                        Path.of("/proc"), CgroupMount.findUnified(), analyzer.kernelSymbols())::scan)
                        : null;
                // The applications' exact CPU time; without it CPU% comes from samples.
                CpuTimeSampler cpuTime = startCpuTime(allowed);
                NetRxSampler netRx = options.netRx()
                        ? NetRxSampler.start(
                                new NetRxSampler.Settings(options.cpus().cpus(), allowed))
                        : null) {
            analyzer.limitations()
                    .forEach(limitation -> System.err.println("node-agent: warning: " + limitation.message()));
            // The samplers start their first slice now, together.
            onCpu.cut();
            if (offCpu != null) {
                offCpu.cut();
            }
            if (cpuTime != null) {
                cpuTime.cut();
            }
            if (netRx != null) {
                netRx.cut();
            }
            // Cuts stay on the clock while a slow analysis (a first symbolization, a busy machine)
            // runs on its own thread; slices are written in order.
            ExecutorService analysis = Executors.newSingleThreadExecutor(
                    Thread.ofPlatform().name("slice-analysis").daemon(true).factory());
            List<Future<?>> analyzed = new ArrayList<>();
            try {
                ProfileRun.run(options.duration(), options.slice(), () -> {
                    RawSlice onCpuSlice = onCpu.cut();
                    RawOffCpuSlice offCpuSlice = offCpu == null ? null : offCpu.cut();
                    RawCpuTimeSlice cpuTimeSlice = cpuTime == null ? null : cpuTime.cut();
                    RawNetRxSlice netRxSlice = netRx == null ? null : netRx.cut();
                    analyzed.add(analysis.submit(
                            () -> writer.write(analyzer.analyze(onCpuSlice, offCpuSlice, cpuTimeSlice, netRxSlice))));
                });
                awaitAll(analyzed);
            } finally {
                analysis.shutdownNow();
            }
        } catch (IOException e) {
            throw new UsageException("cannot write " + options.output() + ": " + e.getMessage());
        }
        return Main.EXIT_OK;
    }

    /**
     * Starts counting the applications' CPU time in the kernel, or says on stderr why it cannot and
     * returns null: the profile then takes CPU% from samples (and says so in every slice).
     */
    private static CpuTimeSampler startCpuTime(Set<Long> allowedCgroups) {
        try {
            return CpuTimeSampler.start(CpuTimeSampler.Settings.of(allowedCgroups));
        } catch (BpfException e) {
            System.err.println("node-agent: warning: " + AgentLimitation.EXACT_CPU_UNAVAILABLE + ": " + e.getMessage()
                    + "; CPU% comes from samples");
            return null;
        }
    }

    /** Waits for every slice's analysis; the first failure is rethrown as it was thrown. */
    private static void awaitAll(List<Future<?>> analyzed) {
        for (Future<?> slice : analyzed) {
            try {
                slice.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException runtime) {
                    throw runtime;
                }
                throw new IllegalStateException(e.getCause());
            }
        }
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
