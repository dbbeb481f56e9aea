package dev.ebpf.profiling.api.profile;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.List;

/**
 * What one node saw in one time slice: the document the agent prints as JSON, writes to a result
 * ConfigMap, and the operator merges into a ProfilingJob's status.
 *
 * @param node           the node (host) name
 * @param event          the perf event that drove sampling: {@code cpu-cycles} or {@code cpu-clock}
 * @param frequencyHz    samples per second per CPU
 * @param cpus           the CPUs sampled
 * @param start          when the slice began
 * @param end            when the slice ended
 * @param durationSeconds end minus start
 * @param totalSamples   on-CPU samples counted (idle excluded)
 * @param lostSamples    samples the kernel could not record in full; see {@link LostSamples}
 * @param lost           the losses by cause
 * @param topApplications the busiest applications, busiest first
 * @param hotspots       the top applications' hottest stacks with their verdicts, in the order of
 *                       {@code topApplications}
 * @param locationSplit  how all samples split between application, library and kernel code
 * @param offCpu         where the applications were blocked; null unless off-CPU sampling ran
 * @param cpuSource      where the applications' CPU% came from: {@link #CPU_FROM_SCHED_SWITCH} (the
 *                       kernel's own account of their running time, exact) or {@link #CPU_FROM_SAMPLES}
 *                       (sample counts over the possible samples); null in documents from before it
 *                       existed, which were all from samples
 * @param unwinding      how user stacks were walked: {@code dwarf} or {@code frame-pointers}, or
 *                       {@link #UNWINDING_MIXED} when the node's sampler changed mode inside the
 *                       slice (a job asking for DWARF came or went); null when not said (documents
 *                       from agents that predate the choice)
 * @param netRx          how long received data waited and where the network softirq time went;
 *                       null unless the net-rx profiler ran
 */
@JsonPropertyOrder({
    "node",
    "event",
    "frequencyHz",
    "cpus",
    "start",
    "end",
    "durationSeconds",
    "totalSamples",
    "lostSamples",
    "lost",
    "topApplications",
    "hotspots",
    "locationSplit",
    "offCpu",
    "cpuSource",
    "unwinding",
    "netRx"
})
public record NodeProfile(
        String node,
        String event,
        int frequencyHz,
        List<Integer> cpus,
        Instant start,
        Instant end,
        double durationSeconds,
        long totalSamples,
        long lostSamples,
        LostSamples lost,
        List<ApplicationUsage> topApplications,
        List<Hotspot> hotspots,
        LocationSplit locationSplit,
        OffCpuProfile offCpu,
        String cpuSource,
        @JsonInclude(JsonInclude.Include.NON_NULL) String unwinding,
        NetRxProfile netRx) {

    /** CPU% is the kernel's running time of the applications, summed at each context switch. */
    public static final String CPU_FROM_SCHED_SWITCH = "sched_switch";

    /** CPU% is on-CPU samples over frequency x seconds x CPUs (the CPU time program could not run). */
    public static final String CPU_FROM_SAMPLES = "samples";

    /** {@code unwinding} of a slice whose stacks were not all walked one way. */
    public static final String UNWINDING_MIXED = "mixed";

    /** A profile whose CPU% comes from samples, that does not say how its user stacks were walked, without net-rx. */
    public NodeProfile(
            String node,
            String event,
            int frequencyHz,
            List<Integer> cpus,
            Instant start,
            Instant end,
            double durationSeconds,
            long totalSamples,
            long lostSamples,
            LostSamples lost,
            List<ApplicationUsage> topApplications,
            List<Hotspot> hotspots,
            LocationSplit locationSplit,
            OffCpuProfile offCpu) {
        this(
                node,
                event,
                frequencyHz,
                cpus,
                start,
                end,
                durationSeconds,
                totalSamples,
                lostSamples,
                lost,
                topApplications,
                hotspots,
                locationSplit,
                offCpu,
                CPU_FROM_SAMPLES,
                null,
                null);
    }

    /** A profile without stacks (no hotspots, no off-CPU part). */
    public NodeProfile(
            String node,
            String event,
            int frequencyHz,
            List<Integer> cpus,
            Instant start,
            Instant end,
            double durationSeconds,
            long totalSamples,
            long lostSamples,
            LostSamples lost,
            List<ApplicationUsage> topApplications) {
        this(
                node,
                event,
                frequencyHz,
                cpus,
                start,
                end,
                durationSeconds,
                totalSamples,
                lostSamples,
                lost,
                topApplications,
                List.of(),
                LocationSplit.of(0, 0, 0, 0),
                null,
                CPU_FROM_SAMPLES,
                null,
                null);
    }

    /** The same profile with the off-CPU part added. */
    public NodeProfile withOffCpu(OffCpuProfile offCpuProfile) {
        return new NodeProfile(
                node,
                event,
                frequencyHz,
                cpus,
                start,
                end,
                durationSeconds,
                totalSamples,
                lostSamples,
                lost,
                topApplications,
                hotspots,
                locationSplit,
                offCpuProfile,
                cpuSource,
                unwinding,
                netRx);
    }

    /** Whether CPU% is the kernel's exact running time rather than a sampled estimate. */
    @JsonIgnore
    public boolean cpuIsExact() {
        return CPU_FROM_SCHED_SWITCH.equals(cpuSource);
    }

    /** The same profile with the net-rx part added. */
    public NodeProfile withNetRx(NetRxProfile netRxProfile) {
        return new NodeProfile(
                node,
                event,
                frequencyHz,
                cpus,
                start,
                end,
                durationSeconds,
                totalSamples,
                lostSamples,
                lost,
                topApplications,
                hotspots,
                locationSplit,
                offCpu,
                cpuSource,
                unwinding,
                netRxProfile);
    }
}
