package dev.ebpf.profiling.agent.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ebpf.profiling.agent.testsupport.TestTags;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The trigger on a real pod-like cgroup, polled once a second on the real clock: a busy loop
 * started after arming makes it fire within {@code for} + 2 s, the cooldown holds it back, and a
 * threshold the load cannot reach never fires. A cgroup of its own keeps other work on the machine
 * out of the metric. Needs root, as the agent does.
 */
@Tag(TestTags.SLOW)
class TriggerWatcherLiveTest {

    private static final Duration POLL = Duration.ofSeconds(1);
    private static final Duration FOR = Duration.ofSeconds(2);
    private static final Duration WINDOW = Duration.ofSeconds(2);
    private static final Duration COOLDOWN = Duration.ofSeconds(3);
    private static final Duration FIRE_DEADLINE = FOR.plusSeconds(2);
    /** How late the poller thread may run on a loaded machine. */
    private static final Duration SLACK = Duration.ofMillis(1500);

    private record Heard(String what, Firing firing, Instant when) {}

    private final BlockingQueue<Heard> heard = new LinkedBlockingQueue<>();

    @Test
    void aBusyLoopStartedAfterArmingFiresInTimeAndTheCooldownIsRespected() throws Exception {
        assumeTrue(TestCgroup.runningAsRoot(), "moving processes between cgroups needs root");
        int cpus = ProcStat.read(ProcStat.PROC_STAT).perCpu().size();
        try (TestCgroup pod = TestCgroup.create(TestCgroup.V2_ROOT, "ebpf-profiler-trigger-test")) {
            Process idle = new ProcessBuilder("sleep", "60").start();
            Process busy = null;
            pod.add(idle);
            TriggerSettings settings = new TriggerSettings(2, FOR, WINDOW, COOLDOWN);
            try (TriggerWatcher<String> watcher = watcher(pod, cpus, settings)) {
                watcher.start(POLL);
                Thread.sleep(2500);
                assertThat(heard).as("an idle pod does not fire").isEmpty();
                assertThat(watcher.status().phase()).isEqualTo(TriggerPhase.ARMED);
                assertThat(watcher.status().value())
                        .as("the armed trigger shows its metric")
                        .isPresent();

                busy = pod.startBusyLoop();
                Instant busyStarted = Instant.now();
                Heard fired = heard.poll(FIRE_DEADLINE.plus(SLACK).toMillis(), TimeUnit.MILLISECONDS);
                assertThat(fired)
                        .as("fired within for + 2 s of the busy loop's start")
                        .isNotNull();
                assertThat(fired.what()).isEqualTo("fired");
                assertThat(Duration.between(busyStarted, fired.firing().at())).isLessThanOrEqualTo(FIRE_DEADLINE);
                assertThat(Duration.between(
                                fired.firing().aboveSince(), fired.firing().at()))
                        .isGreaterThanOrEqualTo(FOR);

                Heard ended = heard.poll(WINDOW.plus(POLL).plus(SLACK).toMillis(), TimeUnit.MILLISECONDS);
                assertThat(ended).isNotNull();
                assertThat(ended.what()).isEqualTo("ended");
                assertThat(ended.when()).isAfterOrEqualTo(fired.firing().profilingEnds());

                // The loop keeps the pod busy: the next firing waits for the cooldown, then for 'for'.
                Heard again =
                        heard.poll(COOLDOWN.plus(FOR).plus(POLL).plus(SLACK).toMillis(), TimeUnit.MILLISECONDS);
                assertThat(again).as("fires again once the cooldown is over").isNotNull();
                assertThat(again.what()).isEqualTo("fired");
                assertThat(again.firing().at())
                        .isAfterOrEqualTo(fired.firing().cooldownEnds().plus(FOR));
                assertThat(watcher.status().firings()).isEqualTo(2);
            } finally {
                idle.destroyForcibly().waitFor();
                if (busy != null) {
                    busy.destroyForcibly().waitFor();
                }
            }
        }
    }

    @Test
    void aThresholdTheLoadCannotReachNeverFires() throws Exception {
        assumeTrue(TestCgroup.runningAsRoot(), "moving processes between cgroups needs root");
        int cpus = ProcStat.read(ProcStat.PROC_STAT).perCpu().size();
        assumeTrue(cpus >= 2, "one busy process must be unable to fill the node");
        // One single-threaded process can use one CPU at most: 100 / cpus percent of the node.
        double unreachable = 100.0 / cpus + 10;
        try (TestCgroup pod = TestCgroup.create(TestCgroup.V2_ROOT, "ebpf-profiler-trigger-never")) {
            Process busy = pod.startBusyLoop();
            try (TriggerWatcher<String> watcher =
                    watcher(pod, cpus, new TriggerSettings(unreachable, Duration.ZERO, WINDOW, COOLDOWN))) {
                watcher.start(POLL);
                Thread.sleep(4500);

                assertThat(heard).isEmpty();
                TriggerStatus status = watcher.status();
                assertThat(status.phase()).isEqualTo(TriggerPhase.ARMED);
                assertThat(status.firings()).isZero();
                assertThat(status.value())
                        .as("the metric is read and shows the busy pod")
                        .isPresent();
                assertThat(status.value().getAsDouble()).isPositive().isLessThan(unreachable);
            } finally {
                busy.destroyForcibly().waitFor();
            }
        }
    }

    private TriggerWatcher<String> watcher(TestCgroup pod, int cpus, TriggerSettings settings) {
        CgroupCpuMetric metric = new CgroupCpuMetric("pod-cpu", () -> List.of(pod.directory()), cpus, System::nanoTime);
        Clock clock = Clock.systemUTC();
        return new TriggerWatcher<>(
                metric,
                new TriggerStateMachine(settings, clock),
                new SliceRing<>(30, Duration.ofSeconds(30), clock),
                new TriggerListener<>() {
                    @Override
                    public void fired(String name, Firing firing, List<String> before) {
                        heard.add(new Heard("fired", firing, Instant.now()));
                    }

                    @Override
                    public void profilingEnded(String name, Firing firing) {
                        heard.add(new Heard("ended", firing, Instant.now()));
                    }
                },
                clock);
    }
}
