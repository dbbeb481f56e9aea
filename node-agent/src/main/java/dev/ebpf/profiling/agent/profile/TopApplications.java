package dev.ebpf.profiling.agent.profile;

import dev.ebpf.profiling.agent.cgroup.Application;
import dev.ebpf.profiling.agent.sampler.RawSlice;
import dev.ebpf.profiling.agent.sampler.SampleKey;
import dev.ebpf.profiling.api.profile.ApplicationUsage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/** Groups a slice's samples by application and ranks the busiest. */
public final class TopApplications {

    private TopApplications() {}

    /**
     * @param attribution who the application of a sample key is
     * @param top         how many applications to keep
     */
    public static List<ApplicationUsage> compute(
            RawSlice slice, Function<SampleKey, Application> attribution, int top) {
        Map<String, Tally> byApplication = new LinkedHashMap<>();
        slice.counts().forEach((key, samples) -> {
            Application app = attribution.apply(key);
            byApplication.computeIfAbsent(app.key(), k -> new Tally(app)).add(key.tgid(), samples);
        });
        double possible = slice.possibleSamples();
        List<Tally> ranked = new ArrayList<>(byApplication.values());
        ranked.sort(Comparator.comparingLong(Tally::samples).reversed().thenComparing(t -> t.app.name()));
        List<ApplicationUsage> result = new ArrayList<>();
        for (Tally tally : ranked.subList(0, Math.min(top, ranked.size()))) {
            result.add(new ApplicationUsage(
                    result.size() + 1,
                    tally.app.name(),
                    tally.app.cgroup(),
                    tally.app.pod(),
                    List.copyOf(tally.pids),
                    tally.samples,
                    cpuPercent(tally.samples, possible)));
        }
        return result;
    }

    /** samples / (frequency x seconds x CPUs) x 100, to one hundredth of a point. */
    static double cpuPercent(long samples, double possibleSamples) {
        if (possibleSamples <= 0) {
            return 0;
        }
        return Math.round(samples * 10_000.0 / possibleSamples) / 100.0;
    }

    private static final class Tally {
        private final Application app;
        private final TreeSet<Integer> pids = new TreeSet<>();
        private long samples;

        Tally(Application app) {
            this.app = app;
        }

        void add(int pid, long count) {
            pids.add(pid);
            samples += count;
        }

        long samples() {
            return samples;
        }
    }
}
