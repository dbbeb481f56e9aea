package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.agent.metrics.AgentMetrics;
import dev.ebpf.profiling.agent.profile.SliceAnalyzer;
import dev.ebpf.profiling.agent.profile.SliceResult;
import dev.ebpf.profiling.api.job.AgentJobConfig;
import java.time.Duration;

/**
 * Turns one cut of the node's samplers into a slice result named after the job's pods, and records
 * the slice in the agent's metrics (drain and analysis time, samples, per-application CPU%).
 */
final class SliceAnalysis {

    private final SliceAnalyzer analyzer;
    private final PodNames podNames;
    private final AgentMetrics metrics;

    SliceAnalysis(SliceAnalyzer analyzer, PodNames podNames, AgentMetrics metrics) {
        this.analyzer = analyzer;
        this.podNames = podNames;
        this.metrics = metrics;
    }

    /** Cuts the samplers now and analyses what they counted since their previous cut. */
    SliceResult cutAndAnalyze(NodeSamplers samplers, AgentJobConfig config) {
        long cutStarted = System.nanoTime();
        NodeSamplers.Cut cut = samplers.cut();
        long analysisStarted = System.nanoTime();
        SliceResult result = PodNames.named(
                analyzer.analyze(cut.onCpu(), cut.offCpu()),
                podNames.podsOnNode(config.job().namespace(), config.nodeWide()));
        metrics.sliceCollected(
                result.profile(),
                Duration.ofNanos(analysisStarted - cutStarted),
                Duration.ofNanos(System.nanoTime() - analysisStarted));
        return result;
    }
}
