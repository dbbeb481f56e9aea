package dev.ebpf.profiling.operator.web;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Lists ConfigMaps by label, metadata only: the API server answers a {@code PartialObjectMetadataList}
 * (names, labels, annotations, resourceVersions; no data), so listing a job's slices costs a few
 * hundred bytes each instead of up to 1 MiB. A server that does not know the form (the tests' mock
 * server) answers the full list, of which only the metadata is read.
 */
final class ResultIndex {

    private static final String ACCEPT_METADATA =
            "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
    private static final long TIMEOUT_SECONDS = 30;
    private static final ObjectMapper JSON =
            new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final KubernetesClient client;

    ResultIndex(KubernetesClient client) {
        this.client = client;
    }

    List<ObjectMeta> list(String namespace, Map<String, String> labels) {
        String selector = labels.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
        String base = client.getMasterUrl().toString();
        String url = (base.endsWith("/") ? base : base + "/") + "api/v1/namespaces/"
                + URLEncoder.encode(namespace, StandardCharsets.UTF_8) + "/configmaps?labelSelector="
                + URLEncoder.encode(selector, StandardCharsets.UTF_8);
        HttpRequest request = client.getHttpClient()
                .newHttpRequestBuilder()
                .uri(url)
                .header("Accept", ACCEPT_METADATA)
                .timeout(TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .build();
        try {
            HttpResponse<String> response =
                    client.getHttpClient().sendAsync(request, String.class).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (response.code() / 100 != 2) {
                throw new PageError(
                        PageError.UNAVAILABLE, "Cannot list the job's result ConfigMaps: HTTP " + response.code());
            }
            List<ObjectMeta> metas = new ArrayList<>();
            for (JsonNode item : JSON.readTree(response.body()).path("items")) {
                metas.add(JSON.treeToValue(item.path("metadata"), ObjectMeta.class));
            }
            return metas;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PageError(PageError.UNAVAILABLE, "Interrupted while listing the job's result ConfigMaps.");
        } catch (ExecutionException | TimeoutException | java.io.IOException e) {
            throw new PageError(PageError.UNAVAILABLE, "Cannot list the job's result ConfigMaps: " + e.getMessage());
        }
    }
}
