package dev.ebpf.profiling.agent.metrics;

import dev.ebpf.profiling.api.profile.ApplicationUsage;
import dev.ebpf.profiling.api.profile.LostSamples;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.PodRef;
import java.time.Instant;
import java.util.List;

/**
 * Node profiles shaped like the agent's: 99 Hz on two CPUs for 10 s, a named pod, a pod the API
 * did not name (yet), and a systemd unit. The second slice drops the unit and brings a new pod.
 */
final class MetricsSlices {

    static final String NODE = "node-1";
    static final String EVENT = "cpu-clock";
    static final Instant FIRST_START = Instant.parse("2026-11-26T12:05:00Z");

    static final PodRef NGINX = PodRef.fromCgroup("1b4e28ba-2fa1-11d2-883f-0016d3cca427", "ab12".repeat(16))
            .withNames("web", "nginx-7d9f-x2", "nginx");
    static final String NGINX_APP = "pod web/nginx-7d9f-x2 (nginx)";
    static final PodRef UNNAMED = PodRef.fromCgroup("6fa459ea-ee8a-3ca4-894e-db77e160355e", "cd34".repeat(16));
    static final String UNNAMED_APP = "pod 6fa459ea-ee8a-3ca4-894e-db77e160355e (cd34cd34cd34)";
    static final String CRON_APP = "systemd: cron.service (cachestat)";
    static final PodRef REDIS = PodRef.fromCgroup("9b2e7c1a-5d4f-4e8a-b3c6-0a1b2c3d4e5f", "ef56".repeat(16))
            .withNames("cache", "redis-0", "redis");
    static final String REDIS_APP = "pod cache/redis-0 (redis)";

    private MetricsSlices() {}

    /** Slice 1: nginx 48.69%, the unnamed pod 20.2%, cron 12.12%; 1980 samples, lost 1 + 0 + 2. */
    static NodeProfile first() {
        return profile(
                NODE,
                0,
                1980,
                new LostSamples(1, 0, 2),
                List.of(
                        app(1, NGINX_APP, NGINX, 964, 48.69),
                        app(2, UNNAMED_APP, UNNAMED, 400, 20.2),
                        new ApplicationUsage(3, CRON_APP, "/system.slice/cron.service", null, List.of(7), 240, 12.12)));
    }

    /** Slice 2: cron left the top list and redis came in; 1500 samples, lost 0 + 4 + 5. */
    static NodeProfile second() {
        return profile(
                NODE,
                1,
                1500,
                new LostSamples(0, 4, 5),
                List.of(
                        app(1, REDIS_APP, REDIS, 700, 35.35),
                        app(2, NGINX_APP, NGINX, 500, 25.25),
                        app(3, UNNAMED_APP, UNNAMED, 300, 15.15)));
    }

    static NodeProfile profile(String node, int index, long samples, LostSamples lost, List<ApplicationUsage> top) {
        Instant start = FIRST_START.plusSeconds(10L * index);
        return new NodeProfile(
                node, EVENT, 99, List.of(0, 1), start, start.plusSeconds(10), 10.0, samples, lost.total(), lost, top);
    }

    static ApplicationUsage app(int rank, String name, PodRef pod, long samples, double cpuPercent) {
        String cgroup = "/kubepods.slice/kubepods-pod" + pod.uid().replace('-', '_') + ".slice/cri-containerd-"
                + pod.containerId() + ".scope";
        return new ApplicationUsage(rank, name, cgroup, pod, List.of(40 + rank), samples, cpuPercent);
    }
}
