package dev.ebpf.profiling.agent.sampler;

import java.util.List;

/** Reaches the net-rx sampler's package-private seams from tests of other packages. */
public final class NetRxTestSeams {

    private NetRxTestSeams() {}

    /** Starts the sampler after checking {@code tracepoints} (a test names one this kernel lacks). */
    public static NetRxSampler start(NetRxSampler.Settings settings, List<String> tracepoints) {
        return NetRxSampler.start(settings, OffCpuSampler.TRACEFS, tracepoints);
    }
}
