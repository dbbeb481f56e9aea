package dev.ebpf.profiling.agent.trigger;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Polls one metric at a fixed period (once a second in trigger mode) on its own daemon thread and
 * drives the {@link TriggerStateMachine}; on a firing it hands the listener the pre-trigger
 * slices from the ring. A failing read or listener is recorded in {@link #status()} and the
 * polling goes on: a trigger must not die silently.
 *
 * @param <T> the slice type kept in the pre-trigger ring
 */
public final class TriggerWatcher<T> implements AutoCloseable {

    private final MetricSource metric;
    private final TriggerStateMachine trigger;
    private final SliceRing<T> ring;
    private final TriggerListener<T> listener;
    private final InstantSource clock;
    private final ScheduledExecutorService poller;
    private OptionalDouble value = OptionalDouble.empty();
    private Instant readAt;
    private String readError = "";
    private String listenerError = "";
    private long firings;

    public TriggerWatcher(
            MetricSource metric,
            TriggerStateMachine trigger,
            SliceRing<T> ring,
            TriggerListener<T> listener,
            InstantSource clock) {
        this.metric = metric;
        this.trigger = trigger;
        this.ring = ring;
        this.listener = listener;
        this.clock = clock;
        this.poller = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("trigger-" + metric.name()).factory());
    }

    /** Starts polling now and then every {@code period}. */
    public void start(Duration period) {
        var unusedPolling = poller.scheduleAtFixedRate(this::poll, 0, period.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** One poll: read, step, act. Public so a caller with its own scheduler can drive it. */
    public synchronized void poll() {
        readAt = clock.instant();
        try {
            value = metric.read();
            readError = "";
        } catch (RuntimeException e) {
            value = OptionalDouble.empty();
            readError = oneLine(e);
        }
        TriggerStep step = trigger.observe(value);
        try {
            switch (step) {
                case FIRED -> {
                    firings++;
                    List<T> before = ring.takeAll();
                    listener.fired(metric.name(), trigger.lastFiring().orElseThrow(), before);
                    listenerError = "";
                }
                case PROFILING_ENDED ->
                    listener.profilingEnded(metric.name(), trigger.lastFiring().orElseThrow());
                case NONE, REARMED -> {}
            }
        } catch (RuntimeException e) {
            listenerError = "trigger listener failed on " + step + ": " + oneLine(e);
        }
    }

    public synchronized TriggerStatus status() {
        return new TriggerStatus(
                metric.name(),
                trigger.settings().threshold(),
                trigger.phase(),
                value,
                readAt,
                readError,
                listenerError,
                firings,
                trigger.lastFiring());
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }

    private static String oneLine(RuntimeException e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.lines().findFirst().orElse(message);
    }
}
