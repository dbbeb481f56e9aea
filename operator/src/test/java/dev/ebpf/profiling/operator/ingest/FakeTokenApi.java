package dev.ebpf.profiling.operator.ingest;

import io.fabric8.kubernetes.api.model.APIResourceListBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatusBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.utils.ResponseProvider;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * An HTTP-level fake of the API server's TokenRequest ({@code POST
 * /api/v1/namespaces/<ns>/serviceaccounts/<sa>/token}) and TokenReview ({@code POST
 * /apis/authentication.k8s.io/v1/tokenreviews}) on the Fabric8 mock server (CRUD mode), which
 * serves neither, and of its discovery of {@code /api/v1} (listing only ServiceAccounts and their
 * {@code token} subresource): registered as expectations, which the mock server's mixed dispatcher answers
 * before its CRUD store. So the real client code (Fabric8's {@code tokenRequest}, the operator's
 * {@link KubernetesTokenReviewer}) runs against it over HTTP.
 *
 * <p>It answers as an API server of Kubernetes 1.30+ does, for one ServiceAccount: a token request
 * bound to a Pod is refused when the pod does not exist, has another UID, or runs as another
 * ServiceAccount; each token is opaque and remembered with its audiences, expiry, pod and the pod's
 * node. A review authenticates a token it issued, unexpired, whose pod still exists, for a requested
 * audience it was issued for (none requested: the API server's own), as the ServiceAccount's user
 * with the pod-name, pod-uid and (unless built {@code withoutNodeName}, as before 1.30) node-name
 * extras; anything else is unauthenticated with an error, as the API server answers. It is a fake:
 * no signatures, and the checks are those above, not the API server's code.
 */
public final class FakeTokenApi {

    /** The audience of a token requested without one, and of a review that names none. */
    public static final String API_SERVER_AUDIENCE = "https://kubernetes.default.svc.cluster.local";

    private record Issued(
            List<String> audiences, Instant expires, String namespace, String pod, String podUid, String node) {}

    private final Dispatcher store;
    private final String namespace;
    private final String serviceAccount;
    private final boolean nodeName;
    private final Map<String, Issued> issued = new ConcurrentHashMap<>();
    private final AtomicInteger reviews = new AtomicInteger();

    private FakeTokenApi(Dispatcher store, String namespace, String serviceAccount, boolean nodeName) {
        this.store = store;
        this.namespace = namespace;
        this.serviceAccount = serviceAccount;
        this.nodeName = nodeName;
    }

    /**
     * Serves the two APIs on {@code server} for the ServiceAccount {@code namespace/serviceAccount}.
     *
     * @param store    the server's dispatcher, through which pods and the ServiceAccount are read as the
     *                 API server reads them (in the same thread: a request to the server from its own
     *                 event loop could wait for itself)
     * @param nodeName whether reviews name the pod's node (Kubernetes 1.30+; before, the pod only)
     */
    public static FakeTokenApi serve(
            KubernetesMockServer server, Dispatcher store, String namespace, String serviceAccount, boolean nodeName) {
        FakeTokenApi api = new FakeTokenApi(store, namespace, serviceAccount, nodeName);
        // Discovery, where a client learns that the API server serves TokenRequest.
        server.expect()
                .get()
                .withPath("/api/v1")
                .andReturn(
                        200,
                        Serialization.asJson(new APIResourceListBuilder()
                                .withGroupVersion("v1")
                                .addNewResource()
                                .withName("serviceaccounts")
                                .withKind("ServiceAccount")
                                .withNamespaced(true)
                                .withVerbs("create", "delete", "get", "list", "patch", "update", "watch")
                                .endResource()
                                .addNewResource()
                                .withName("serviceaccounts/token")
                                .withGroup("authentication.k8s.io")
                                .withVersion("v1")
                                .withKind("TokenRequest")
                                .withNamespaced(true)
                                .withVerbs("create")
                                .endResource()
                                .build()))
                .always();
        server.expect()
                .post()
                .withPath("/api/v1/namespaces/" + namespace + "/serviceaccounts/" + serviceAccount + "/token")
                .andReply(new Answer(api::tokenRequest))
                .always();
        server.expect()
                .post()
                .withPath("/apis/authentication.k8s.io/v1/tokenreviews")
                .andReply(new Answer(api::tokenReview))
                .always();
        return api;
    }

    /** A Fabric8 mock server (CRUD mode, HTTPS on loopback) and, unless it refuses TokenRequest, this fake on it. */
    public record Server(KubernetesMockServer server, FakeTokenApi api) {
        /**
         * @param tokens   whether to serve the two APIs (else TokenRequest goes to the CRUD store, as without this fake)
         * @param nodeName whether reviews name the pod's node (Kubernetes 1.30+)
         */
        public static Server start(String namespace, String serviceAccount, boolean tokens, boolean nodeName) {
            Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
            KubernetesMixedDispatcher dispatcher = new KubernetesMixedDispatcher(responses);
            KubernetesMockServer server =
                    new KubernetesMockServer(new Context(), new MockWebServer(), responses, dispatcher, true);
            server.init(InetAddress.getLoopbackAddress(), 0);
            return new Server(server, tokens ? serve(server, dispatcher, namespace, serviceAccount, nodeName) : null);
        }
    }

    /** Tokens issued so far. */
    public int issued() {
        return issued.size();
    }

    /** TokenReviews answered so far. */
    public int reviews() {
        return reviews.get();
    }

    private record Reply(int code, Object body) {}

    private Reply tokenRequest(RecordedRequest request) {
        if (read("/api/v1/namespaces/" + namespace + "/serviceaccounts/" + serviceAccount, ServiceAccount.class)
                == null) {
            return failure(404, "NotFound", "serviceaccounts \"" + serviceAccount + "\" not found");
        }
        TokenRequest tokenRequest = Serialization.unmarshal(request.getBody().readUtf8(), TokenRequest.class);
        var spec = tokenRequest.getSpec();
        long seconds = spec.getExpirationSeconds() == null ? 3600 : spec.getExpirationSeconds();
        if (seconds < 600) {
            return failure(
                    400, "BadRequest", "spec.expirationSeconds: may not specify a duration less than 10 minutes");
        }
        List<String> audiences =
                spec.getAudiences() == null || spec.getAudiences().isEmpty()
                        ? List.of(API_SERVER_AUDIENCE)
                        : List.copyOf(spec.getAudiences());
        String pod = null;
        String podUid = null;
        String node = null;
        var ref = spec.getBoundObjectRef();
        if (ref != null) {
            if (!"Pod".equals(ref.getKind())) {
                return failure(400, "BadRequest", "this fake binds tokens to pods only, not " + ref.getKind());
            }
            Pod bound = read("/api/v1/namespaces/" + namespace + "/pods/" + ref.getName(), Pod.class);
            if (bound == null) {
                return failure(404, "NotFound", "pods \"" + ref.getName() + "\" not found");
            }
            if (ref.getUid() != null && !ref.getUid().equals(bound.getMetadata().getUid())) {
                return failure(
                        409,
                        "Conflict",
                        "the UID in the bound object reference (" + ref.getUid()
                                + ") does not match the UID in record ("
                                + bound.getMetadata().getUid() + ")");
            }
            if (!serviceAccount.equals(bound.getSpec().getServiceAccountName())) {
                return failure(
                        400,
                        "BadRequest",
                        "cannot bind token for serviceaccount \"" + serviceAccount
                                + "\" to pod running with serviceaccount \""
                                + bound.getSpec().getServiceAccountName() + "\"");
            }
            pod = ref.getName();
            podUid = bound.getMetadata().getUid();
            node = bound.getSpec().getNodeName();
        }
        String token = "fake-bound-token." + UUID.randomUUID();
        Instant expires = Instant.now().plusSeconds(seconds);
        issued.put(token, new Issued(audiences, expires, namespace, pod, podUid, node));
        tokenRequest.setStatus(
                new io.fabric8.kubernetes.api.model.authentication.TokenRequestStatus(expires.toString(), token));
        tokenRequest.getSpec().setAudiences(audiences);
        tokenRequest.getSpec().setExpirationSeconds(seconds);
        return new Reply(201, Serialization.asJson(tokenRequest));
    }

    private Reply tokenReview(RecordedRequest request) {
        reviews.incrementAndGet();
        TokenReview review = Serialization.unmarshal(request.getBody().readUtf8(), TokenReview.class);
        List<String> wanted = review.getSpec().getAudiences() == null
                        || review.getSpec().getAudiences().isEmpty()
                ? List.of(API_SERVER_AUDIENCE)
                : review.getSpec().getAudiences();
        Issued token = issued.get(review.getSpec().getToken());
        String error = null;
        List<String> granted = new ArrayList<>();
        if (token == null) {
            error = "invalid bearer token";
        } else if (!token.expires().isAfter(Instant.now())) {
            error = "invalid bearer token, service account token has expired";
        } else if (token.pod() != null && !podStillThere(token.pod(), token.podUid())) {
            error = "invalid bearer token, pod " + token.pod() + " no longer exists";
        } else {
            for (String audience : wanted) {
                if (token.audiences().contains(audience)) {
                    granted.add(audience);
                }
            }
            if (granted.isEmpty()) {
                error = "invalid bearer token, token audiences " + token.audiences()
                        + " is invalid for the target audiences " + wanted;
            }
        }
        if (error != null) {
            review.setStatus(new TokenReviewStatusBuilder()
                    .withAuthenticated(false)
                    .withError("[" + error + "]")
                    .build());
        } else {
            Map<String, List<String>> extra = new LinkedHashMap<>();
            if (token.pod() != null) {
                extra.put(TokenReviewer.EXTRA_POD_NAME, List.of(token.pod()));
                extra.put("authentication.kubernetes.io/pod-uid", List.of(token.podUid()));
                if (nodeName && token.node() != null) {
                    extra.put(TokenReviewer.EXTRA_NODE_NAME, List.of(token.node()));
                }
            }
            review.setStatus(new TokenReviewStatusBuilder()
                    .withAuthenticated(true)
                    .withAudiences(granted)
                    .withNewUser()
                    .withUsername("system:serviceaccount:" + token.namespace() + ":" + serviceAccount)
                    .withGroups(
                            "system:serviceaccounts",
                            "system:serviceaccounts:" + token.namespace(),
                            "system:authenticated")
                    .withExtra(extra)
                    .endUser()
                    .build());
        }
        return new Reply(201, Serialization.asJson(review));
    }

    private boolean podStillThere(String pod, String uid) {
        Pod now = read("/api/v1/namespaces/" + namespace + "/pods/" + pod, Pod.class);
        return now != null && uid.equals(now.getMetadata().getUid());
    }

    /** An object from the mock server's store, or null when it has none. */
    private <T> T read(String path, Class<T> type) {
        MockResponse answer = store.dispatch(new RecordedRequest(
                "HTTP/1.1", HttpMethod.GET, path, Headers.builder().build(), new Buffer()));
        return answer.code() == 200 ? Serialization.unmarshal(answer.getBody().readUtf8(), type) : null;
    }

    private static Reply failure(int code, String reason, String message) {
        Status status = new StatusBuilder()
                .withStatus("Failure")
                .withCode(code)
                .withReason(reason)
                .withMessage(message)
                .build();
        return new Reply(code, Serialization.asJson(status));
    }

    /**
     * One expectation's answer: the mock server asks for the status code, then for the body, of the
     * same request; the reply is computed once, at the first.
     */
    private static final class Answer implements ResponseProvider<Object> {
        private final Function<RecordedRequest, Reply> reply;
        private final Map<RecordedRequest, Reply> pending = new ConcurrentHashMap<>(); // by identity
        private Headers headers =
                Headers.builder().add("Content-Type", "application/json").build();

        Answer(Function<RecordedRequest, Reply> reply) {
            this.reply = reply;
        }

        @Override
        public int getStatusCode(RecordedRequest request) {
            return pending.computeIfAbsent(request, reply).code();
        }

        @Override
        public Object getBody(RecordedRequest request) {
            Reply answer = pending.remove(request);
            return answer == null ? reply.apply(request).body() : answer.body();
        }

        @Override
        public Headers getHeaders() {
            return headers;
        }

        @Override
        public void setHeaders(Headers headers) {
            this.headers = headers;
        }
    }
}
