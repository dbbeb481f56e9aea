package dev.ebpf.profiling.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.cpu.OnlineCpus;
import dev.ebpf.profiling.agent.profile.SliceResult;
import dev.ebpf.profiling.agent.testsupport.PodCgroups;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.agent.testsupport.TestTags;
import dev.ebpf.profiling.api.ingest.NodeTriggerReport;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.NodeTriggerState;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import dev.ebpf.profiling.api.job.TriggerMetric;
import dev.ebpf.profiling.api.job.TriggerSpec;
import dev.ebpf.profiling.api.profile.NodeProfile;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A trigger-mode job in the multi-job agent, for real: a pod's cpu.stat read once a second, a busy
 * loop started after arming, the node's shared sampler for the history and the window (real eBPF),
 * reports through the sinks.
 */
@Tag(TestTags.BPF)
class ClusterRunTriggerTest {

    private static final String NODE = "node-under-test";
    /** A quarter of one CPU as a share of the node (pod-cpu reads 100 for every CPU busy). */
    private static final double QUARTER_OF_A_CPU =
            25.0 / OnlineCpus.read().cpus().size();

    @BeforeEach
    void bpfAvailable() {
        RequiresRoot.assumeBpf();
    }

    @Test
    void aBusyLoopStartedAfterArmingFiresAndItsWindowAndHistoryArePublished() throws Exception {
        String uid = UUID.randomUUID().toString();
        try (PodCgroups pod = PodCgroups.builder().podUid(uid).container().build()) {
            pod.container(0).start("sleep", "600");
            StaticJobSource source = new StaticJobSource();
            source.pods.add(TestJobs.pod(
                    "shop",
                    "checkout-1",
                    uid,
                    Map.of("app", "checkout"),
                    NODE,
                    pod.container(0).id()));
            ProfilingJobSpec spec = TestJobs.spec(Mode.TRIGGER, Map.of("app", "checkout"), "3s");
            spec.runs = 1;
            spec.trigger = new TriggerSpec();
            spec.trigger.metric = TriggerMetric.POD_CPU;
            spec.trigger.threshold = QUARTER_OF_A_CPU;
            spec.trigger.forDuration = "2s";
            spec.trigger.cooldown = "1m";
            source.jobs.add(TestJobs.accepted("shop", "checkout-spike", spec, Instant.now()));

            RecordingSinks sinks = new RecordingSinks(NODE);
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            ClusterRun run = sinks.agent(source, new NodePolicy(Set.of(), 1000), log);
            Thread agent = Thread.ofPlatform().name("agent-under-test").start(run::run);
            try {
                assertThat(sinks.await(
                                s -> s.triggerReports().stream()
                                        .anyMatch(r -> r.state().value() != null),
                                120_000)) // upper bounds for a crowded machine, free when all goes well
                        .as("armed; log:%n%s", log)
                        .isTrue();
                NodeTriggerReport armed = sinks.triggerReports().getLast();
                assertThat(armed.job().name()).isEqualTo("checkout-spike");
                assertThat(armed.node()).isEqualTo(NODE);
                assertThat(armed.state().phase()).isEqualTo("Armed");
                assertThat(armed.state().metric()).isEqualTo("pod-cpu");

                Instant busySince = Instant.now();
                // The kubelet gives a pod the CPU it requests through its cgroup's weight; these test
                // pods have no cpu controller of their own, so the loop asks at nice -20 instead: against
                // nice-0 neighbours (weight 88761 to 1024 each) it keeps most of a CPU even at a load of
                // 30, while at nice 0 it would get about a fifteenth of one, below the threshold: the
                // neighbours would take the pod's share and the trigger would rightly not fire.
                pod.container(0).start("nice", "-n", "-20", "sh", "-c", "while :; do :; done");
                assertThat(sinks.await(s -> !s.slicesOf("checkout-spike").isEmpty(), 120_000))
                        .as("the window after the firing; log:%n%s", log)
                        .isTrue();
                RecordingSinks.Published window =
                        sinks.slicesOf("checkout-spike").getFirst();
                NodeTriggerState.TriggerFiring firing = sinks.triggerReports().stream()
                        .filter(r -> !r.state().recent().isEmpty())
                        .findFirst()
                        .orElseThrow()
                        .state()
                        .recent()
                        .getFirst();
                assertThat(Duration.between(busySince, firing.at()))
                        .as("fired at %s, busy since %s", firing.at(), busySince)
                        .isPositive() // by the loop, not before it
                        // for (2 s), plus up to two 1 s polls for the loop's share to cross the threshold,
                        // plus slack for a machine whose other builds delay the polls.
                        .isLessThanOrEqualTo(Duration.ofSeconds(2 + 2 + 2));
                assertThat(window.window().start()).isEqualTo(firing.at());
                NodeProfile profile = window.result().profile();
                assertThat(profile.topApplications()).isNotEmpty();
                assertThat(profile.topApplications().getFirst().name()).isEqualTo("pod shop/checkout-1 (main)");
                assertThat(window.history())
                        .as("the pre-trigger history")
                        .isNotEmpty()
                        .allSatisfy(slice -> assertThat(slice.profile().end()).isBeforeOrEqualTo(profile.start()));
                assertThat(window.history().getFirst().profile().frequencyHz())
                        .isEqualTo(SharedTrigger.HISTORY_FREQUENCY_HZ);
                assertThat(window.report().history()).hasSize(window.history().size());
                // The window ran at the job's rate, on the node's one sampler (no BPF object of its own).
                assertThat(profile.frequencyHz()).isEqualTo(ProfilingJobSpec.DEFAULT_FREQUENCY_HZ);
                assertThat(run.onCpuSamplerStarts()).isEqualTo(1);
                assertThat(window.history().stream().map(SliceResult::stacks).flatMap(List::stream))
                        .isNotEmpty();
            } finally {
                run.stop();
                agent.join(15_000);
            }
        }
    }
}
