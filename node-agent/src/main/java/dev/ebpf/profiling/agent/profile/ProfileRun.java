package dev.ebpf.profiling.agent.profile;

import dev.ebpf.profiling.agent.sampler.OnCpuSampler;
import dev.ebpf.profiling.agent.sampler.RawSlice;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Drives a sampler for a fixed time, cutting a slice at each slice boundary and handing it on
 * while the next slice is already being counted in the kernel.
 */
public final class ProfileRun {

    private ProfileRun() {
    }

    public static void run(OnCpuSampler sampler, Duration duration, Duration slice, Consumer<RawSlice> onSlice) {
        long start = System.nanoTime();
        for (long cutAt : SliceClock.cutOffsets(duration, slice)) {
            sleepUntil(start + cutAt);
            onSlice.accept(sampler.cut());
        }
    }

    private static void sleepUntil(long deadlineNanos) {
        long remaining;
        while ((remaining = deadlineNanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(remaining);
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
        }
    }
}
