package dev.ebpf.profiling.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.ProfilingJob;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Instant;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The agent's view of the cluster from the informers (mock API server, CRUD): all jobs, this node's pods. */
@EnableKubernetesMockClient(crud = true)
class InformerJobSourceTest {

    private static final String NODE = "node-a";

    KubernetesClient client;

    @Test
    void followsJobsOfEveryNamespaceTheirAcceptanceAndThePodsOfItsNodeOnly() throws Exception {
        client.pods()
                .inNamespace("web")
                .resource(TestJobs.pod("web", "here", null, Map.of("app", "web"), NODE, null))
                .create();
        client.pods()
                .inNamespace("web")
                .resource(TestJobs.pod("web", "elsewhere", null, Map.of("app", "web"), "node-b", null))
                .create();
        ProfilingJob job = TestJobs.job("web", "nginx", TestJobs.spec(Mode.FILTER, Map.of("app", "web"), "10s"), 1);
        job.getMetadata().setUid(null);
        client.resources(ProfilingJob.class).inNamespace("web").resource(job).create();

        // The mock server does not implement the spec.nodeName field selector (a real API server
        // does), so the informer watches every pod here and the source keeps this node's itself.
        try (InformerJobSource source = InformerJobSource.start(client, NODE, false)) {
            assertThat(source.podsOnNode())
                    .extracting(pod -> pod.getMetadata().getName())
                    .containsExactly("here");
            assertThat(source.jobs())
                    .singleElement()
                    .satisfies(seen -> assertThat(JobAcceptance.accepted(seen))
                            .as("no status yet")
                            .isFalse());

            // The operator accepts it: the watch brings the status.
            ProfilingJob stored = client.resources(ProfilingJob.class)
                    .inNamespace("web")
                    .withName("nginx")
                    .get();
            stored.setStatus(TestJobs.status(stored.getMetadata().getGeneration(), "True", Instant.now()));
            client.resources(ProfilingJob.class)
                    .inNamespace("web")
                    .resource(stored)
                    .updateStatus();
            await(() -> source.jobs().stream().anyMatch(JobAcceptance::accepted));

            // A job of another namespace and a new pod on this node come through the watches too.
            ProfilingJob other = TestJobs.job("ops", "whole", TestJobs.spec(Mode.FILTER, null, "10s"), 1);
            other.getMetadata().setUid(null);
            client.resources(ProfilingJob.class)
                    .inNamespace("ops")
                    .resource(other)
                    .create();
            client.pods()
                    .inNamespace("ops")
                    .resource(TestJobs.pod("ops", "late", null, Map.of(), NODE, null))
                    .create();
            client.pods()
                    .inNamespace("ops")
                    .resource(TestJobs.pod("ops", "late-elsewhere", null, Map.of(), "node-b", null))
                    .create();
            await(() -> source.jobs().size() == 2 && source.podsOnNode().size() == 2);
            assertThat(source.podsOnNode())
                    .extracting(pod -> pod.getMetadata().getName())
                    .containsExactlyInAnyOrder("here", "late");

            client.resources(ProfilingJob.class)
                    .inNamespace("web")
                    .withName("nginx")
                    .delete();
            await(() -> source.jobs().size() == 1);
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (!condition.getAsBoolean()) {
            assertThat(System.currentTimeMillis()).as("waited 10 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
