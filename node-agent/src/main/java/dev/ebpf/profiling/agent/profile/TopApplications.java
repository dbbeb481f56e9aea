package dev.ebpf.profiling.agent.profile;

import dev.ebpf.profiling.agent.cgroup.Application;
import dev.ebpf.profiling.agent.sampler.CpuTimeKey;
import dev.ebpf.profiling.agent.sampler.RawCpuTimeSlice;
import dev.ebpf.profiling.agent.sampler.RawSlice;
import dev.ebpf.profiling.agent.sampler.SampleKey;
import dev.ebpf.profiling.api.profile.ApplicationUsage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Groups a slice by application and ranks the busiest: by the kernel's running time when the CPU
 * time program ran (exact, and short-lived processes included), else by samples.
 */
public final class TopApplications {

    private TopApplications() {}

    /** Ranks by samples: CPU% is samples over the possible samples. */
    public static List<ApplicationUsage> compute(
            RawSlice slice, Function<SampleKey, Application> attribution, int top) {
        return compute(slice, attribution, null, key -> null, top);
    }

    /**
     * @param attribution    who the application of a sample key is
     * @param cpuTime        the kernel's running time of the same slice, or null to use samples
     * @param cpuAttribution who the application of a CPU time key is
     * @param top            how many applications to keep
     */
    public static List<ApplicationUsage> compute(
            RawSlice slice,
            Function<SampleKey, Application> attribution,
            RawCpuTimeSlice cpuTime,
            Function<CpuTimeKey, Application> cpuAttribution,
            int top) {
        Map<String, Tally> byApplication = new LinkedHashMap<>();
        slice.counts().forEach((key, samples) -> {
            Application app = attribution.apply(key);
            byApplication.computeIfAbsent(app.key(), k -> new Tally(app)).addSamples(key.tgid(), samples);
        });
        if (cpuTime != null) {
            Set<Integer> cpus = new HashSet<>(slice.cpus());
            cpuTime.nanos().forEach((key, nanos) -> {
                if (cpus.contains(key.cpu())) {
                    Application app = cpuAttribution.apply(key);
                    byApplication
                            .computeIfAbsent(app.key(), k -> new Tally(app))
                            .addNanos(key.tgid(), nanos);
                }
            });
        }
        List<Tally> ranked = new ArrayList<>(byApplication.values());
        Comparator<Tally> bySamples = Comparator.comparingLong(Tally::samples).reversed();
        Comparator<Tally> order = cpuTime == null
                ? bySamples
                : Comparator.comparingLong(Tally::nanos).reversed().thenComparing(bySamples);
        ranked.sort(order.thenComparing(t -> t.app.name()));
        double possibleSamples = slice.possibleSamples();
        double possibleNanos = cpuTime == null
                ? 0
                : (double) cpuTime.durationNanos() * slice.cpus().size();
        List<ApplicationUsage> result = new ArrayList<>();
        for (Tally tally : ranked.subList(0, Math.min(top, ranked.size()))) {
            double percent = cpuTime == null
                    ? cpuPercent(tally.samples, possibleSamples)
                    : cpuPercent(tally.nanos, possibleNanos);
            result.add(new ApplicationUsage(
                    result.size() + 1,
                    tally.app.name(),
                    tally.app.cgroup(),
                    tally.app.pod(),
                    List.copyOf(tally.pids),
                    tally.samples,
                    percent));
        }
        return result;
    }

    /** used / possible x 100 (samples or nanoseconds), to one hundredth of a point. */
    static double cpuPercent(long used, double possible) {
        if (possible <= 0) {
            return 0;
        }
        return Math.round(used * 10_000.0 / possible) / 100.0;
    }

    private static final class Tally {
        private final Application app;
        private final TreeSet<Integer> pids = new TreeSet<>();
        private long samples;
        private long nanos;

        Tally(Application app) {
            this.app = app;
        }

        void addSamples(int pid, long count) {
            pids.add(pid);
            samples += count;
        }

        void addNanos(int pid, long time) {
            pids.add(pid);
            nanos += time;
        }

        long samples() {
            return samples;
        }

        long nanos() {
            return nanos;
        }
    }
}
