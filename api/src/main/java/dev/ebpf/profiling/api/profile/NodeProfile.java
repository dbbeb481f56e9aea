package dev.ebpf.profiling.api.profile;

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
        NetRxProfile netRx) {

    /** A profile without a net-rx part. */
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
                netRx);
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
                netRxProfile);
    }
}
