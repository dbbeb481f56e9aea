package dev.ebpf.profiling.operator;

import dev.ebpf.profiling.api.ingest.IngestContract;
import dev.ebpf.profiling.operator.agents.AgentDaemonSet;
import dev.ebpf.profiling.operator.ingest.FakeTokenReviewer;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The simulated agents' bearer tokens, and what the simulator's JSON line says of them
 * ({@code "tokens"}): either bound ServiceAccount tokens from the API server's TokenRequest API,
 * one per agent pod as the kubelet projects them into the real agent (audience
 * {@link IngestContract#TOKEN_AUDIENCE}, bound to the pod, {@link AgentDaemonSet#TOKEN_EXPIRATION_SECONDS}),
 * which the operator then checks with a real TokenReview; or, when the API server cannot issue them
 * (the Fabric8 mock server), {@link FakeTokenReviewer}'s tokens, and the line says why.
 */
final class AgentTokens {

    /** The JSON line's {@code tokens} with real tokens. */
    static final String TOKEN_REQUEST = "TokenRequest + TokenReview";
    /** The JSON line's {@code tokens} with fake ones starts so, followed by why. */
    static final String FAKE = "fake reviewer: ";
    /** Status codes of an API server that does not serve the TokenRequest API. */
    private static final Set<Integer> NOT_SERVED = Set.of(404, 405, 501);
    /** The TokenRequest API, as the API server's discovery names it. */
    static final String TOKEN_SUBRESOURCE = "serviceaccounts/token";

    private final KubernetesClient client;
    private final String source;
    private final Map<String, String> byNode = new ConcurrentHashMap<>();

    private AgentTokens(KubernetesClient client, String source) {
        this.client = client;
        this.source = source;
    }

    /** {@link FakeTokenReviewer}'s tokens, reviewed by it; {@code why} goes into the JSON line. */
    static AgentTokens fake(String why) {
        return new AgentTokens(null, FAKE + why);
    }

    /** TokenRequest tokens from the API server {@code client} talks to. */
    static AgentTokens tokenRequest(KubernetesClient client) {
        return new AgentTokens(client, TOKEN_REQUEST);
    }

    /** For the JSON line. */
    String source() {
        return source;
    }

    /**
     * The tokens of the agents (pods by node), {@code simulate.tokenParallel} (default 16) requests at
     * once; before the slices, so not in the measured window.
     */
    void issue(Map<String, Pod> agents) throws Exception {
        if (client == null) {
            return;
        }
        // A refused request fails the run, with the API server's reason.
        BoundedParallel.forEach(
                agents.entrySet(),
                Integer.getInteger("simulate.tokenParallel", 16),
                agent -> byNode.put(agent.getKey(), request(agent.getValue())));
    }

    /** The bearer token of the agent on {@code node}. */
    String token(String node) {
        if (client == null) {
            return FakeTokenReviewer.agentOn(node);
        }
        String token = byNode.get(node);
        if (token == null) {
            throw new IllegalStateException("no token was issued for the agent on " + node);
        }
        return token;
    }

    private String request(Pod agent) {
        TokenRequest answer = client.serviceAccounts()
                .inNamespace(agent.getMetadata().getNamespace())
                .withName(agent.getSpec().getServiceAccountName())
                .tokenRequest(new TokenRequestBuilder()
                        .withNewSpec()
                        .withAudiences(IngestContract.TOKEN_AUDIENCE)
                        .withExpirationSeconds(AgentDaemonSet.TOKEN_EXPIRATION_SECONDS)
                        .withNewBoundObjectRef()
                        .withApiVersion("v1")
                        .withKind("Pod")
                        .withName(agent.getMetadata().getName())
                        .withUid(agent.getMetadata().getUid())
                        .endBoundObjectRef()
                        .endSpec()
                        .build());
        return answer.getStatus().getToken();
    }

    /** The agents' ServiceAccount, as the chart creates it (the namespace too, when missing). */
    static void ensureServiceAccount(KubernetesClient client, String namespace, String serviceAccount) {
        if (client.namespaces().withName(namespace).get() == null) {
            client.namespaces()
                    .resource(new NamespaceBuilder()
                            .withNewMetadata()
                            .withName(namespace)
                            .endMetadata()
                            .build())
                    .create();
        }
        if (client.serviceAccounts()
                        .inNamespace(namespace)
                        .withName(serviceAccount)
                        .get()
                == null) {
            client.serviceAccounts()
                    .inNamespace(namespace)
                    .resource(new ServiceAccountBuilder()
                            .withNewMetadata()
                            .withName(serviceAccount)
                            .endMetadata()
                            .build())
                    .create();
        }
    }

    /**
     * Whether the API server issues tokens: its discovery ({@code /api/v1}) lists the subresource
     * {@value #TOKEN_SUBRESOURCE}, and it issues one for the agents' ServiceAccount (unbound: no
     * agent pod runs yet). Returns null when it does, else why not. The Fabric8 mock server lists
     * nothing (its CRUD store would take a TokenRequest for an object to store, and answer 409 or
     * 422).
     *
     * @throws IllegalStateException when the API server serves the API but refuses (such as 403:
     *                               the kubeconfig's user may not create serviceaccounts/token)
     */
    static String cannotIssue(KubernetesClient client, String namespace, String serviceAccount) {
        APIResourceList core;
        try {
            core = client.getApiResources("v1");
        } catch (KubernetesClientException e) {
            core = null;
        }
        if (core == null
                || core.getResources() == null
                || core.getResources().stream().noneMatch(r -> TOKEN_SUBRESOURCE.equals(r.getName()))) {
            return "the API server does not serve the TokenRequest API (" + TOKEN_SUBRESOURCE
                    + " not in its discovery of /api/v1)";
        }
        ensureServiceAccount(client, namespace, serviceAccount);
        TokenRequest answer;
        try {
            answer = client.serviceAccounts()
                    .inNamespace(namespace)
                    .withName(serviceAccount)
                    .tokenRequest(new TokenRequestBuilder()
                            .withNewSpec()
                            .withAudiences(IngestContract.TOKEN_AUDIENCE)
                            .withExpirationSeconds(600L)
                            .endSpec()
                            .build());
        } catch (KubernetesClientException e) {
            if (NOT_SERVED.contains(e.getCode())) {
                return "the API server does not serve the TokenRequest API (it answered " + e.getCode() + ")";
            }
            throw new IllegalStateException(
                    "cannot request a token for serviceaccount " + namespace + "/" + serviceAccount
                            + " (the simulator's kubeconfig user needs create on serviceaccounts/token): "
                            + e.getMessage().lines().findFirst().orElse(""),
                    e);
        }
        if (answer == null
                || answer.getStatus() == null
                || answer.getStatus().getToken() == null
                || answer.getStatus().getToken().isEmpty()) {
            return "the API server answered a TokenRequest without a token";
        }
        return null;
    }
}
