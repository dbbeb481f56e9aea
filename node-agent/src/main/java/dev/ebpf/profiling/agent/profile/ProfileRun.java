package dev.ebpf.profiling.agent.profile;

import dev.ebpf.profiling.agent.sampler.OnCpuSampler;
import dev.ebpf.profiling.agent.sampler.RawSlice;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/**
 * Drives a sampler for a fixed time, cutting a slice at each slice boundary and handing it on
 * while the next slice is already being counted in the kernel.
 */
public final class ProfileRun {

    private ProfileRun() {
    }

    public static void run(OnCpuSampler sampler, Duration duration, Duration slice, Consumer<RawSlice> onSlice) {
        Instant start = Instant.now();
        for (long cutAt : SliceClock.cutOffsets(duration, slice)) {
            Deadlines.sleepUntil(start.plusNanos(cutAt));
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
            onSlice.accept(sampler.cut());
        }
    }
}
