package dev.ebpf.profiling.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.profile.SliceResult;
import dev.ebpf.profiling.agent.symbolize.SymbolizedStack;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.AgentJobConfig;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.Profiler;
import dev.ebpf.profiling.api.profile.Frame;
import dev.ebpf.profiling.api.profile.LostSamples;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.ProfileJson;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/** Result ConfigMaps stay under the API server's 1 MiB limit, dropping the coldest stacks first and saying so. */
@EnableKubernetesMockClient(crud = true)
class ResultPublisherTest {

    KubernetesClient client;

    private static AgentJobConfig config(int retention) {
        return new AgentJobConfig(
                AgentJobConfig.SCHEMA_VERSION,
                new AgentJobConfig.JobRef("web", "big", "uid-1"),
                Mode.FILTER,
                List.of(Profiler.ON_CPU),
                99,
                null,
                10,
                null,
                null,
                10,
                retention,
                false,
                List.of(),
                null,
                null);
    }

    private static NodeProfile profile(Instant start) {
        return new NodeProfile(
                "n1",
                "cpu-clock",
                99,
                List.of(0, 1),
                start,
                start.plusSeconds(10),
                10,
                0,
                0,
                LostSamples.NONE,
                List.of());
    }

    /** Stacks of random (incompressible) function names; stack i has i + 1 samples. */
    private static List<SymbolizedStack> randomStacks(int count) {
        Random random = new Random(42);
        HexFormat hex = HexFormat.of();
        List<SymbolizedStack> stacks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            List<Frame> frames = new ArrayList<>();
            for (int f = 0; f < 8; f++) {
                byte[] name = new byte[12];
                random.nextBytes(name);
                frames.add(new Frame("fn_" + hex.formatHex(name), "app", Frame.Origin.EXECUTABLE));
            }
            frames.set(0, new Frame("leaf_of_stack_" + i, "app", Frame.Origin.EXECUTABLE));
            stacks.add(new SymbolizedStack(100, "app", frames, i + 1));
        }
        return stacks;
    }

    @Test
    void aHugeSliceIsCutToTheHottestStacksUnderTheLimit() throws Exception {
        int count = 20_000;
        Instant start = Instant.parse("2026-11-26T12:00:00Z");
        ResultPublisher publisher = new ResultPublisher(client, "n1");

        String name = publisher.publish(
                config(5), start, new SliceResult(profile(start), randomStacks(count), List.of(), Map.of()));

        ConfigMap result = client.configMaps().inNamespace("web").withName(name).get();
        int truncated =
                Integer.parseInt(result.getMetadata().getAnnotations().get(AgentContract.ANNOTATION_TRUNCATED_STACKS));
        assertThat(truncated).isPositive().isLessThan(count);
        assertThat(ProfileJson.mapper().writeValueAsBytes(result).length).isLessThan(AgentContract.RESULT_MAX_BYTES);
        String folded = new String(
                new GZIPInputStream(new ByteArrayInputStream(Base64.getDecoder()
                                .decode(result.getBinaryData().get(AgentContract.RESULT_ON_CPU_STACKS_KEY))))
                        .readAllBytes(),
                StandardCharsets.UTF_8);
        assertThat(folded.lines()).hasSize(count - truncated);
        // The hottest stack stays, the coldest goes.
        assertThat(folded)
                .contains("leaf_of_stack_" + (count - 1) + " " + count)
                .doesNotContain("leaf_of_stack_0 1\n");
    }

    @Test
    void aSmallSliceKeepsEveryStackAndOnlyTheNewestSlicesAreKept() {
        ResultPublisher publisher = new ResultPublisher(client, "n2");
        AgentJobConfig config = config(2);
        for (int i = 0; i < 4; i++) {
            Instant start = Instant.parse("2026-11-26T13:00:00Z").plusSeconds(10L * i);
            String name = publisher.publish(
                    config, start, new SliceResult(profile(start), randomStacks(10), List.of(), Map.of()));
            assertThat(client.configMaps()
                            .inNamespace("web")
                            .withName(name)
                            .get()
                            .getMetadata()
                            .getAnnotations())
                    .containsEntry(AgentContract.ANNOTATION_TRUNCATED_STACKS, "0");
            publisher.pruneBeyondRetention(config);
        }
        assertThat(client.configMaps()
                        .inNamespace("web")
                        .withLabel(AgentContract.LABEL_NODE, "n2")
                        .list()
                        .getItems())
                .extracting(c -> c.getMetadata().getLabels().get(AgentContract.LABEL_SLICE))
                .containsExactlyInAnyOrder("20261126T130020Z", "20261126T130030Z");
    }

    @Test
    void aTriggeredWindowCarriesItsHistoryAndStillFits() throws Exception {
        Instant firing = Instant.parse("2026-11-26T14:00:07Z");
        List<SliceResult> history = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            Instant start = firing.minusSeconds(35L - 5 * i);
            history.add(new SliceResult(profile(start), randomStacks(3_000), List.of(), Map.of()));
        }
        ResultPublisher publisher = new ResultPublisher(client, "n3");

        String name = publisher.publish(
                config(5),
                firing,
                new SliceResult(profile(firing), randomStacks(20_000), List.of(), Map.of()),
                history);

        ConfigMap result = client.configMaps().inNamespace("web").withName(name).get();
        assertThat(ProfileJson.mapper().writeValueAsBytes(result).length).isLessThan(AgentContract.RESULT_MAX_BYTES);
        List<NodeProfile> kept = ProfileJson.mapper()
                .readValue(
                        result.getData().get(AgentContract.RESULT_HISTORY_KEY),
                        new com.fasterxml.jackson.core.type.TypeReference<>() {});
        assertThat(kept)
                .extracting(NodeProfile::start)
                .containsExactlyElementsOf(
                        history.stream().map(h -> h.profile().start()).toList());
        String folded = new String(
                new GZIPInputStream(new ByteArrayInputStream(Base64.getDecoder()
                                .decode(result.getBinaryData().get(AgentContract.RESULT_HISTORY_STACKS_KEY))))
                        .readAllBytes(),
                StandardCharsets.UTF_8);
        // The same 3,000 stacks in every history slice: merged, seven times the count each.
        assertThat(folded).contains("leaf_of_stack_2999 " + 7 * 3_000);
        assertThat(folded.lines().count()).isLessThanOrEqualTo(3_000);
        // The window's own stacks keep the larger share of the room.
        String window = new String(
                new GZIPInputStream(new ByteArrayInputStream(Base64.getDecoder()
                                .decode(result.getBinaryData().get(AgentContract.RESULT_ON_CPU_STACKS_KEY))))
                        .readAllBytes(),
                StandardCharsets.UTF_8);
        assertThat(window.lines().count()).isGreaterThan(folded.lines().count());
    }

    @Test
    void anOrdinarySliceHasNoHistoryKeys() {
        Instant start = Instant.parse("2026-11-26T15:00:00Z");
        String name = new ResultPublisher(client, "n4")
                .publish(config(5), start, new SliceResult(profile(start), randomStacks(5), List.of(), Map.of()));
        ConfigMap result = client.configMaps().inNamespace("web").withName(name).get();
        assertThat(result.getData()).doesNotContainKey(AgentContract.RESULT_HISTORY_KEY);
        assertThat(result.getBinaryData()).doesNotContainKey(AgentContract.RESULT_HISTORY_STACKS_KEY);
    }
}
