package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.agent.cgroup.ApplicationResolver;
import dev.ebpf.profiling.agent.cgroup.CgroupResolver;
import dev.ebpf.profiling.agent.hotspot.BlockReasons;
import dev.ebpf.profiling.agent.hotspot.FrameRules;
import dev.ebpf.profiling.agent.hotspot.HotspotAnalyzer;
import dev.ebpf.profiling.agent.hotspot.OffCpuAnalyzer;
import dev.ebpf.profiling.agent.hotspot.VerdictRules;
import dev.ebpf.profiling.agent.metrics.AgentMetrics;
import dev.ebpf.profiling.agent.profile.SliceAnalyzer;
import dev.ebpf.profiling.agent.profile.SliceResult;
import dev.ebpf.profiling.agent.sampler.RawCpuTimeSlice;
import dev.ebpf.profiling.agent.sampler.RawNetRxSlice;
import dev.ebpf.profiling.agent.sampler.RawOffCpuSlice;
import dev.ebpf.profiling.agent.sampler.RawSlice;
import dev.ebpf.profiling.agent.symbolize.KernelSymbols;
import dev.ebpf.profiling.agent.symbolize.MappingTracker;
import dev.ebpf.profiling.agent.symbolize.Symbolizer;
import dev.ebpf.profiling.api.ingest.AgentLimitation;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a job's slice into its result, applications named after the pods the job may see, and
 * records the slice in the agent's metrics (drain and analysis time, samples, per-application CPU%).
 * One symbolizer, cgroup resolver and rule set serve every job of the node; only the number of
 * applications kept ({@code top}) differs per job.
 */
final class SliceAnalysis {

    private final String node;
    private final ApplicationResolver applications;
    private final Symbolizer symbolizer;
    private final HotspotAnalyzer hotspots;
    private final OffCpuAnalyzer offCpu;
    private final AgentMetrics metrics;
    private final Map<Integer, SliceAnalyzer> byTop = new HashMap<>();

    SliceAnalysis(String node, CgroupResolver cgroups, AgentMetrics metrics) {
        this.node = node;
        this.applications = new ApplicationResolver(cgroups);
        // Where the kernel hides its addresses the symbols are hidden, not missing: profiling goes
        // on with kernel frames named by region, and every report says why.
        this.symbolizer = new Symbolizer(KernelSymbols.load());
        this.hotspots = new HotspotAnalyzer(new VerdictRules(FrameRules.kernelSubsystems()));
        this.offCpu = new OffCpuAnalyzer(new BlockReasons(FrameRules.blockReasons()));
        this.metrics = metrics;
    }

    /** The kernel symbols the slices are named with (also what off-CPU wait sites resolve against). */
    KernelSymbols kernelSymbols() {
        return symbolizer.kernelSymbols();
    }

    /** What this node cannot do and why (e.g. kernel symbols hidden), for every report; empty when nothing. */
    List<AgentLimitation> limitations() {
        return SliceAnalyzer.limitationsOf(symbolizer);
    }

    /**
     * Starts learning processes' mappings as the kernel reports them, so that processes that exit
     * inside a slice keep their frames; close it after the samplers stop.
     */
    MappingTracker trackMappings() {
        return symbolizer.trackMappings();
    }

    /**
     * @param podsByUid the pods the job may see on this node (its namespace's; every pod for a node-wide job)
     * @param drain     how long taking the slice out of the kernel took, for the metrics
     */
    synchronized SliceResult analyze(
            RawSlice onCpu, RawOffCpuSlice offCpuSlice, int top, Map<String, Pod> podsByUid, Duration drain) {
        return analyze(onCpu, offCpuSlice, null, null, top, podsByUid, drain);
    }

    /**
     * @param cpuTime    the kernel's CPU time of the same slice, or null: CPU% from samples
     * @param netRxSlice the job's net-rx slice, or null when the job has none
     */
    synchronized SliceResult analyze(
            RawSlice onCpu,
            RawOffCpuSlice offCpuSlice,
            RawCpuTimeSlice cpuTime,
            RawNetRxSlice netRxSlice,
            int top,
            Map<String, Pod> podsByUid,
            Duration drain) {
        long started = System.nanoTime();
        SliceAnalyzer analyzer = byTop.computeIfAbsent(
                top,
                t -> new SliceAnalyzer(
                        node, applications, symbolizer, hotspots, offCpu, t, HotspotAnalyzer.DEFAULT_HOTSPOTS));
        SliceResult result = PodNames.named(analyzer.analyze(onCpu, offCpuSlice, cpuTime, netRxSlice), podsByUid);
        metrics.sliceCollected(result.profile(), drain, Duration.ofNanos(System.nanoTime() - started));
        return result;
    }
}
