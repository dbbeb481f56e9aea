package dev.ebpf.profiling.agent.hotspot;

import dev.ebpf.profiling.api.profile.Frame;
import dev.ebpf.profiling.api.profile.OffCpuApplication;
import dev.ebpf.profiling.api.profile.OffCpuHotspot;
import dev.ebpf.profiling.api.profile.OffCpuProfile;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Turns a slice's blocked stacks into the most blocked applications and, for each, the stacks it
 * waited in longest with the reason it waited.
 */
public final class OffCpuAnalyzer {

    private static final double NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);

    private final BlockReasons reasons;

    public OffCpuAnalyzer(BlockReasons reasons) {
        this.reasons = reasons;
    }

    /** One application's blocked stacks, merged by frames and reason. */
    private static final class Blocked {
        final TreeSet<Integer> pids = new TreeSet<>();
        final Map<Wait, Long> nanosByWait = new HashMap<>();
        long nanos;
    }

    private record Wait(List<Frame> frames, String reason) {}

    /**
     * @param stacks          every blocked stack of the slice
     * @param applications    how many of the most blocked applications to report
     * @param perApplication  how many stacks to report per application
     */
    public OffCpuProfile analyze(List<BlockedStack> stacks, int applications, int perApplication) {
        if (applications < 0 || perApplication < 0) {
            throw new IllegalArgumentException(
                    "application and hotspot counts must be 0 or more, got " + applications + " and " + perApplication);
        }
        Map<String, Blocked> byApplication = new HashMap<>();
        for (BlockedStack stack : stacks) {
            Blocked blocked = byApplication.computeIfAbsent(stack.application(), a -> new Blocked());
            blocked.pids.add(stack.tgid());
            blocked.nanos += stack.blockedNanos();
            List<Frame> frames = HotspotAnalyzer.grouped(stack.frames());
            Wait wait = new Wait(frames, reasons.decide(frames, stack.state()));
            blocked.nanosByWait.merge(wait, stack.blockedNanos(), Long::sum);
        }
        List<Map.Entry<String, Blocked>> ranked = byApplication.entrySet().stream()
                .sorted(Comparator.comparingLong((Map.Entry<String, Blocked> e) -> e.getValue().nanos)
                        .reversed()
                        .thenComparing(Map.Entry::getKey))
                .limit(applications)
                .toList();
        List<OffCpuApplication> top = new ArrayList<>();
        List<OffCpuHotspot> hotspots = new ArrayList<>();
        for (Map.Entry<String, Blocked> entry : ranked) {
            String application = entry.getKey();
            Blocked blocked = entry.getValue();
            top.add(new OffCpuApplication(
                    top.size() + 1, application, List.copyOf(blocked.pids), blocked.nanos / NANOS_PER_SECOND));
            blocked.nanosByWait.entrySet().stream()
                    .sorted(Comparator.comparingLong((Map.Entry<Wait, Long> e) -> e.getValue())
                            .reversed()
                            .thenComparing(e -> e.getKey().toString()))
                    .limit(perApplication)
                    .map(e -> new OffCpuHotspot(
                            application,
                            e.getValue() / NANOS_PER_SECOND,
                            Percent.of(e.getValue(), blocked.nanos),
                            e.getKey().reason(),
                            e.getKey().frames()))
                    .forEach(hotspots::add);
        }
        return new OffCpuProfile(top, hotspots);
    }
}
