package dev.ebpf.profiling.agent.hotspot;

import dev.ebpf.profiling.agent.symbolize.SymbolizedStack;
import dev.ebpf.profiling.api.profile.Frame;
import dev.ebpf.profiling.api.profile.Hotspot;
import dev.ebpf.profiling.api.profile.Location;
import dev.ebpf.profiling.api.profile.LocationSplit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a slice's symbolized stacks into each application's hottest stacks with their verdicts,
 * and the slice's split of samples between application, library and kernel code.
 */
public final class HotspotAnalyzer {

    /** Hotspots per application unless asked otherwise ({@code --hotspots}). */
    public static final int DEFAULT_HOTSPOTS = 5;

    private final VerdictRules verdicts;

    public HotspotAnalyzer(VerdictRules verdicts) {
        this.verdicts = verdicts;
    }

    /**
     * @param stacks         every symbolized stack of the slice (all applications)
     * @param applications   the applications to report hotspots for, in report order
     * @param perApplication how many hotspots to keep per application
     */
    public SliceHotspots analyze(List<SymbolizedStack> stacks, List<String> applications, int perApplication) {
        if (perApplication < 0) {
            throw new IllegalArgumentException("hotspots per application must be 0 or more, got " + perApplication);
        }
        // Processes of one application, distinct ips that name the same functions, and code without
        // symbols in one file merge.
        Map<String, Map<List<Frame>, Long>> samplesByStackByApplication = new HashMap<>();
        long total = 0;
        for (SymbolizedStack stack : stacks) {
            samplesByStackByApplication
                    .computeIfAbsent(stack.application(), a -> new HashMap<>())
                    .merge(grouped(stack.frames()), stack.count(), Long::sum);
            total += stack.count();
        }

        Map<Location, Long> samplesByLocation = new EnumMap<>(Location.class);
        Map<List<Frame>, Verdict> verdictByStack = new HashMap<>();
        for (Map<List<Frame>, Long> samplesByStack : samplesByStackByApplication.values()) {
            samplesByStack.forEach((frames, samples) -> samplesByLocation.merge(
                    verdictByStack.computeIfAbsent(frames, verdicts::decide).location(), samples, Long::sum));
        }

        List<Hotspot> hotspots = new ArrayList<>();
        for (String application : applications) {
            Map<List<Frame>, Long> samplesByStack = samplesByStackByApplication.getOrDefault(application, Map.of());
            long applicationSamples =
                    samplesByStack.values().stream().mapToLong(Long::longValue).sum();
            long sliceSamples = total;
            samplesByStack.entrySet().stream()
                    .sorted(Map.Entry.<List<Frame>, Long>comparingByValue()
                            .reversed()
                            .thenComparing(entry -> entry.getKey().toString()))
                    .limit(perApplication)
                    .map(entry -> {
                        Verdict verdict = verdictByStack.get(entry.getKey());
                        return new Hotspot(
                                application,
                                entry.getValue(),
                                Percent.of(entry.getValue(), applicationSamples),
                                Percent.of(entry.getValue(), sliceSamples),
                                verdict.location(),
                                verdict.subsystem(),
                                entry.getKey());
                    })
                    .forEach(hotspots::add);
        }
        return new SliceHotspots(hotspots, split(samplesByLocation));
    }

    /** The stack as hotspots group it (see {@link Frame#grouped()}). */
    static List<Frame> grouped(List<Frame> frames) {
        return frames.stream().map(Frame::grouped).toList();
    }

    private static LocationSplit split(Map<Location, Long> samples) {
        return LocationSplit.of(
                samples.getOrDefault(Location.APPLICATION, 0L),
                samples.getOrDefault(Location.LIBRARY, 0L),
                samples.getOrDefault(Location.KERNEL, 0L),
                samples.getOrDefault(Location.UNKNOWN, 0L));
    }
}
