package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.Phase;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import dev.ebpf.profiling.api.profile.Frame;
import dev.ebpf.profiling.api.profile.Hotspot;
import dev.ebpf.profiling.api.profile.Location;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.Pod;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The agents' pushed slice reports, merged into the status and one result ConfigMap per slice. */
@QuarkusTest
class ResultsTest extends ThreeNodeClusterTest {

    private static final java.time.format.DateTimeFormatter CLOCK =
            java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss").withZone(java.time.ZoneOffset.UTC);

    @Test
    void mergesTheNewestCompleteSliceFromThreeNodesBySamples() throws Exception {
        String ns = "merge-three";
        Pod web = cluster.pod(ns, "web", Map.of("tier", "app"), "node-1");
        Pod api = cluster.pod(ns, "api", Map.of("tier", "app"), "node-2");
        Pod db = cluster.pod(ns, "db", Map.of("tier", "app"), "node-3");
        ProfilingJob job = cluster.job(ns, "nginx-jitter", Cluster.spec(Mode.GENERAL, Map.of("tier", "app")));
        cluster.awaitCondition(ns, "nginx-jitter", ProfilingJobStatus.SCHEDULED, "True");

        // A slice that just ended, from all three nodes (within its grace the operator waits for
        // all of them); one node ran 4 CPUs, so its capacity is twice the others'.
        Instant slice = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(30);
        var n1 = Cluster.profile("node-1", slice, List.of(Cluster.podApp(web, 2970)));
        var n2 = Cluster.profile("node-2", slice, List.of(Cluster.podApp(api, 594)));
        var n3 = withCpus(Cluster.profile("node-3", slice, List.of(Cluster.podApp(db, 3564))), List.of(0, 1, 2, 3));
        cluster.result(
                job,
                "node-1",
                slice,
                withHotspots(n1, hotspot("main", "ngx_epoll_wait", Location.KERNEL, "network", 1000)));
        cluster.result(
                job,
                "node-2",
                slice,
                withHotspots(n2, hotspot("main", "ngx_epoll_wait", Location.KERNEL, "network", 200)));
        cluster.result(job, "node-3", slice, withHotspots(n3, hotspot("main", "memcpy", Location.LIBRARY, null, 900)));
        // A newer slice that only one node has reported yet, still within its grace: not merged.
        Instant newer = slice.plusSeconds(300);
        cluster.result(job, Cluster.profile("node-1", newer, List.of(Cluster.podApp(web, 1))));

        // The slice closes once every target node reported it.
        ProfilingJob merged = cluster.await(ns, "nginx-jitter", j -> "3/3".equals(j.getStatus().nodes));
        ProfilingJobStatus status = merged.getStatus();
        assertThat(status.lastSlice.id).isEqualTo(AgentContract.sliceLabel(slice));
        assertThat(status.lastSlice.start).isEqualTo(slice.toString());
        assertThat(status.lastSlice.nodeCount).isEqualTo(3);
        assertThat(status.lastSlice.events).containsExactly("cpu-clock");
        assertThat(status.nodeCounts.target).isEqualTo(3);
        assertThat(status.nodeCounts.reporting).isEqualTo(3);
        assertThat(status.nodeCounts.missing).isZero();
        assertThat(status.reportingNodes).containsExactly("node-1", "node-2", "node-3");
        assertThat(status.nodes).isEqualTo("3/3");
        assertThat(status.phase).isEqualTo(Phase.PROFILING);
        // db: 3564 samples of 99 Hz x 30 s x 4 CPUs = 30.0%; web: 2970 of 99 x 30 x 2 = 50.0%.
        assertThat(status.topApplications)
                .extracting(a -> a.rank + " " + a.name + " " + a.samples + " " + a.cpuPercent)
                .containsExactly(
                        "1 merge-three/db (main) 3564 30.0",
                        "2 merge-three/web (main) 2970 50.0",
                        "3 merge-three/api (main) 594 10.0");
        // The same hotspot on two nodes is one line with the samples summed, over all 7128 samples.
        assertThat(status.hotspots)
                .extracting(h -> h.frame + " " + h.location + " " + h.samples + " " + h.percentOfTotal)
                .containsExactly("ngx_epoll_wait kernel 1200 16.8", "memcpy library 900 12.6");
        assertThat(status.results)
                .as("one result ConfigMap for the slice, all nodes merged")
                .containsExactly(AgentContract.jobResultName("nginx-jitter", slice));
        var degraded =
                Conditions.find(status.conditions, ProfilingJobStatus.DEGRADED).orElseThrow();
        assertThat(degraded.getStatus())
                .as(degraded.getReason() + ": " + degraded.getMessage())
                .isEqualTo("False");
        assertThat(status.completedSlices)
                .as("the slice counts once, whatever its nodes")
                .isEqualTo(1);
        Agents.awaitEvents(
                client,
                ns,
                "nginx-jitter",
                events -> assertThat(events)
                        .contains("Normal SliceCollected: Slice " + CLOCK.format(slice) + "-"
                                + CLOCK.format(slice.plusSeconds(30)) + " collected from 3/3 nodes"));
    }

    @Test
    void aSliceStillMissingANodeAfterItsGraceIsMergedAndTheJobIsDegraded() {
        String ns = "partial";
        Pod a = cluster.pod(ns, "a", Map.of("app", "a"), "node-1");
        cluster.pod(ns, "b", Map.of("app", "a"), "node-2");
        ProfilingJob job = cluster.job(ns, "half", Cluster.spec(Mode.GENERAL, Map.of("app", "a")));
        cluster.awaitCondition(ns, "half", ProfilingJobStatus.SCHEDULED, "True");

        Instant longAgo = Instant.now().minusSeconds(600).truncatedTo(ChronoUnit.SECONDS);
        cluster.result(job, Cluster.profile("node-1", longAgo, List.of(Cluster.podApp(a, 100))));

        ProfilingJob degraded = cluster.awaitCondition(ns, "half", ProfilingJobStatus.DEGRADED, "True");
        assertThat(degraded.getStatus().nodes).isEqualTo("1/2");
        assertThat(Conditions.find(degraded.getStatus().conditions, ProfilingJobStatus.DEGRADED)
                        .orElseThrow()
                        .getReason())
                .isEqualTo("NodesMissing");
        Agents.awaitEvents(
                client,
                ns,
                "half",
                events -> assertThat(events)
                        .anyMatch(e -> e.startsWith("Warning NodesMissing: slice ")
                                && e.endsWith("has no report from 1 node(s): node-2")));
    }

    @Test
    void keepsOnlyTheNewestRetentionSlices() {
        String ns = "retention";
        Pod a = cluster.pod(ns, "a", Map.of("app", "a"), "node-1");
        ProfilingJobSpec spec = Cluster.spec(Mode.GENERAL, Map.of("app", "a"));
        spec.output = new dev.ebpf.profiling.api.job.OutputSpec();
        spec.output.retention = 2;
        ProfilingJob job = cluster.job(ns, "kept", spec);
        cluster.awaitCondition(ns, "kept", ProfilingJobStatus.SCHEDULED, "True");

        Instant first = Instant.parse("2026-01-01T00:00:00Z");
        // One slice after the other, as an agent sends them (each merged before the next comes).
        for (int i = 0; i < 4; i++) {
            Instant start = first.plusSeconds(300L * i);
            cluster.result(job, Cluster.profile("node-1", start, List.of(Cluster.podApp(a, 10 + i))));
            cluster.await(
                    ns,
                    "kept",
                    j -> j.getStatus().lastSlice != null
                            && j.getStatus().lastSlice.id.equals(AgentContract.sliceLabel(start)));
        }
        Awaitility.await()
                .atMost(Cluster.WAIT)
                .untilAsserted(() -> assertThat(client.configMaps()
                                .inNamespace(ns)
                                .withLabel(AgentContract.LABEL_COMPONENT, AgentContract.COMPONENT_RESULT)
                                .list()
                                .getItems())
                        .extracting(cm -> cm.getMetadata().getLabels().get(AgentContract.LABEL_SLICE))
                        .containsExactlyInAnyOrder("20260101T001000Z", "20260101T001500Z"));
        assertThat(cluster.get(ns, "kept").getStatus().completedSlices).isEqualTo(4);
    }

    private static NodeProfile withCpus(NodeProfile p, List<Integer> cpus) {
        return new NodeProfile(
                p.node(),
                p.event(),
                p.frequencyHz(),
                cpus,
                p.start(),
                p.end(),
                p.durationSeconds(),
                p.totalSamples(),
                p.lostSamples(),
                p.lost(),
                p.topApplications());
    }

    private static String withHotspots(NodeProfile p, Hotspot... hotspots) {
        return Cluster.toJson(new NodeProfile(
                p.node(),
                p.event(),
                p.frequencyHz(),
                p.cpus(),
                p.start(),
                p.end(),
                p.durationSeconds(),
                p.totalSamples(),
                p.lostSamples(),
                p.lost(),
                p.topApplications(),
                List.of(hotspots),
                p.locationSplit(),
                null));
    }

    private static Hotspot hotspot(String app, String leaf, Location location, String subsystem, long samples) {
        return new Hotspot(
                app,
                samples,
                0,
                0,
                location,
                subsystem,
                List.of(new Frame(leaf, "x", Frame.Origin.KERNEL), new Frame("main", "x", Frame.Origin.EXECUTABLE)));
    }
}
