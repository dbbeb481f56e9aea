package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/** The Helm chart, linted and rendered by Helm itself (helm-java). */
class ChartTest {

    static final ObjectMapper YAML = new YAMLMapper();

    @Test
    void lintsClean() {
        LintResult lint = new Helm(RepositoryFiles.chart()).lint().strict().call();
        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
        assertThat(lint.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }

    @Test
    void rendersTheOperatorWithItsSettingsAndRbac() throws IOException {
        List<JsonNode> objects = render("""
                nodeWideNamespaces: [ops, monitoring]
                agent:
                  image:
                    tag: 1.2.3
                  priorityClassName: system-node-critical
                  sysResource: true
                """);

        // The CRD is in the chart's crds/ (installed by helm install, not rendered; CrdDriftTest keeps it current).
        assertThat(objects)
                .extracting(o -> o.path("kind").asText())
                .contains("Deployment", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")
                .as("the operator keeps the DaemonSet itself")
                .doesNotContain("DaemonSet");
        JsonNode container =
                one(objects, "Deployment", "ebpf-profiler-operator").at("/spec/template/spec/containers/0");
        Map<String, String> env = new java.util.HashMap<>();
        container
                .path("env")
                .forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
        assertThat(env)
                .containsEntry("OPERATOR_NODE_WIDE_NAMESPACES", "ops,monitoring")
                .containsEntry("OPERATOR_AGENT_NAME", "ebpf-profiler-agent")
                .containsEntry("OPERATOR_AGENT_IMAGE", "ghcr.io/ebpf-profiler/node-agent:1.2.3")
                .containsEntry("OPERATOR_AGENT_SERVICE_ACCOUNT", "ebpf-profiler-agent")
                .containsEntry("OPERATOR_AGENT_PRIORITY_CLASS_NAME", "system-node-critical")
                .containsEntry("OPERATOR_AGENT_SYS_RESOURCE", "true")
                .containsEntry("OPERATOR_AGENT_MAX_FREQUENCY_HZ", "999")
                .containsEntry("OPERATOR_AGENT_TOLERATIONS_JSON", "[{\"operator\":\"Exists\"}]")
                .containsEntry("OPERATOR_AGENT_INGEST_SERVICE", "ebpf-profiler-ingest")
                .containsEntry("OPERATOR_AGENT_INGEST_PORT", "8443")
                .containsEntry("OPERATOR_AGENT_INGEST_TLS_SECRET", "ebpf-profiler-ingest-tls")
                .containsKeys(
                        "OPERATOR_NAMESPACE",
                        "OPERATOR_AGENT_CPU_REQUEST",
                        "OPERATOR_AGENT_CPU_LIMIT",
                        "OPERATOR_AGENT_MEMORY_REQUEST",
                        "OPERATOR_AGENT_MEMORY_LIMIT",
                        "OPERATOR_SLICE_GRACE");
        assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean())
                .isTrue();

        // The agents' identity lives in the release namespace; it reads jobs and pods, nothing else.
        JsonNode agentAccount = one(objects, "ServiceAccount", "ebpf-profiler-agent");
        assertThat(agentAccount.at("/metadata/namespace").asText()).isEqualTo("profiling-system");
        JsonNode agentRole = one(objects, "ClusterRole", "ebpf-profiler-agent");
        assertThat(rules(agentRole))
                .containsExactlyInAnyOrder("profiling.ebpf.dev/profilingjobs:get,list,watch", "/pods:get,list,watch");
        JsonNode agentBinding = one(objects, "ClusterRoleBinding", "ebpf-profiler-agent");
        assertThat(agentBinding.path("subjects").toString())
                .isEqualTo("[{\"kind\":\"ServiceAccount\",\"name\":\"ebpf-profiler-agent\","
                        + "\"namespace\":\"profiling-system\"}]");
        // No agent identity anywhere else: nothing binds in the tenants' namespaces any more.
        assertThat(objects).noneMatch(o -> o.at("/metadata/name").asText().endsWith("-node-wide"));

        // The operator: status, finalizers, node labels, the DaemonSet in its own namespace only;
        // it creates no pods, ServiceAccounts or RoleBindings, and reads no Secrets (the stores' are
        // mounted); it reviews tokens (ingest, web view) and the web view's users' access.
        JsonNode operatorRole = one(objects, "ClusterRole", "ebpf-profiler-operator");
        assertThat(rules(operatorRole))
                .contains(
                        "profiling.ebpf.dev/profilingjobs/status:get,patch,update",
                        "/pods:get,list,watch",
                        "/nodes:get,list,watch,patch",
                        "authentication.k8s.io/tokenreviews:create",
                        "authorization.k8s.io/subjectaccessreviews:create",
                        "/events:create,patch")
                .noneMatch(r -> r.contains("serviceaccounts")
                        || r.contains("rolebindings")
                        || r.contains("daemonsets")
                        || r.contains("secrets"));
        JsonNode operatorNamespaced = one(objects, "Role", "ebpf-profiler-operator");
        assertThat(operatorNamespaced.at("/metadata/namespace").asText()).isEqualTo("profiling-system");
        assertThat(rules(operatorNamespaced))
                .containsExactlyInAnyOrder("apps/daemonsets:get,list,watch,create,update,patch", "/events:list");

        // The ingest endpoint's TLS: a CA and a serving certificate, the agents trust ca.crt.
        JsonNode tls = one(objects, "Secret", "ebpf-profiler-ingest-tls");
        assertThat(tls.at("/metadata/namespace").asText()).isEqualTo("profiling-system");
        assertThat(tls.path("data").fieldNames())
                .toIterable()
                .containsExactlyInAnyOrder("tls.crt", "tls.key", "ca.crt");
        String ca = new String(
                java.util.Base64.getDecoder().decode(tls.at("/data/ca.crt").asText()),
                java.nio.charset.StandardCharsets.UTF_8);
        assertThat(ca).startsWith("-----BEGIN CERTIFICATE-----");
    }

    /** The admin's stores reach the operator as JSON without secrets; each store's Secret is mounted. */
    @Test
    void passesTheAdminsObjectStoresAndMountsTheirSecrets() throws IOException {
        List<JsonNode> objects = render("""
                uploadJitter: 45s
                objectStores:
                  - name: archive
                    endpoint: http://minio.storage:9000
                    bucket: profiles
                    credentialsSecret: profiles-s3
                    secretAccessKeyKey: secret
                """);
        JsonNode pod = one(objects, "Deployment", "ebpf-profiler-operator").at("/spec/template/spec");
        JsonNode container = pod.at("/containers/0");
        Map<String, String> env = new java.util.HashMap<>();
        container
                .path("env")
                .forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
        dev.ebpf.profiling.api.store.ObjectStoreDefinitions stores =
                dev.ebpf.profiling.api.store.ObjectStoreDefinitions.parse(env.get("OPERATOR_OBJECT_STORES"));
        var archive = stores.find("archive").orElseThrow();
        assertThat(archive.endpoint()).isEqualTo("http://minio.storage:9000");
        assertThat(archive.credentialsSecret()).isEqualTo("profiles-s3");
        assertThat(env).containsEntry("OPERATOR_UPLOAD_JITTER", "45s");
        assertThat(container.path("volumeMounts").toString())
                .contains("\"mountPath\":\"/etc/ebpf-profiler/object-stores/archive\"");
        JsonNode volume = java.util.stream.StreamSupport.stream(
                        pod.path("volumes").spliterator(), false)
                .filter(v -> v.path("name").asText().equals("store-archive"))
                .findFirst()
                .orElseThrow();
        assertThat(volume.at("/secret/secretName").asText()).isEqualTo("profiles-s3");
        assertThat(volume.at("/secret/items").toString())
                .isEqualTo("[{\"key\":\"accessKeyId\",\"path\":\"accessKeyId\"},"
                        + "{\"key\":\"secret\",\"path\":\"secretAccessKey\"}]");

        // Without stores: an empty list, no store volume.
        JsonNode plain = one(render(""), "Deployment", "ebpf-profiler-operator").at("/spec/template/spec");
        assertThat(plain.at("/containers/0/env").toString())
                .contains("\"name\":\"OPERATOR_OBJECT_STORES\",\"value\":\"[]\"");
        assertThat(plain.path("volumes").toString()).doesNotContain("store-");
    }

    /**
     * Tenants get ProfilingJobs through the built-in edit/admin (and view) roles, by aggregation:
     * create and change jobs, read their status, and no write on profilingjobs/status anywhere
     * (the status is the operator's; a tenant writing it could fake results or hide failures).
     */
    @Test
    void tenantsMayEditJobsButNeverWriteTheirStatus() throws IOException {
        List<JsonNode> objects = render("{}\n");
        List<JsonNode> aggregated = objects.stream()
                .filter(o -> "ClusterRole".equals(o.path("kind").asText()))
                .filter(o -> o.at("/metadata/labels").toString().contains("rbac.authorization.k8s.io/aggregate-to-"))
                .toList();
        JsonNode edit = one(objects, "ClusterRole", "ebpf-profiler-edit");
        assertThat(edit.at("/metadata/labels/rbac.authorization.k8s.io~1aggregate-to-edit")
                        .asText())
                .isEqualTo("true");
        assertThat(edit.at("/metadata/labels/rbac.authorization.k8s.io~1aggregate-to-admin")
                        .asText())
                .isEqualTo("true");
        assertThat(rules(edit))
                .containsExactly(
                        "profiling.ebpf.dev/profilingjobs:get,list,watch,create,update,patch,delete,deletecollection");
        JsonNode view = one(objects, "ClusterRole", "ebpf-profiler-view");
        assertThat(view.at("/metadata/labels/rbac.authorization.k8s.io~1aggregate-to-view")
                        .asText())
                .isEqualTo("true");
        assertThat(aggregated)
                .extracting(o -> o.at("/metadata/name").asText())
                .containsExactlyInAnyOrder("ebpf-profiler-edit", "ebpf-profiler-view");

        List<String> writes = List.of("create", "update", "patch", "delete", "deletecollection", "*");
        for (JsonNode role : aggregated) {
            for (JsonNode rule : role.path("rules")) {
                List<String> resources = texts(rule.path("resources"));
                List<String> verbs = texts(rule.path("verbs"));
                assertThat(texts(rule.path("apiGroups"))).doesNotContain("*");
                if (resources.contains("profilingjobs/status") || resources.contains("*")) {
                    assertThat(verbs)
                            .as(
                                    "%s may not write profilingjobs/status",
                                    role.at("/metadata/name").asText())
                            .doesNotContainAnyElementsOf(writes);
                }
            }
        }
        assertThat(render("tenantRoles: {aggregate: false}\n"))
                .noneMatch(o -> o.at("/metadata/labels").toString().contains("aggregate-to-"));
    }

    /** Only the release namespace needs Pod Security "privileged" (the agents' hostPID and capabilities). */
    @Test
    void theNamespaceItCreatesIsLabelledPrivileged() throws IOException {
        assertThat(render("{}\n"))
                .noneMatch(o -> "Namespace".equals(o.path("kind").asText()));
        JsonNode namespace = one(render("namespace: {create: true}\n"), "Namespace", "profiling-system");
        assertThat(namespace
                        .at("/metadata/labels/pod-security.kubernetes.io~1enforce")
                        .asText())
                .isEqualTo("privileged");
    }

    /** Each rule as "group/resource:verb,verb", one string per resource. */
    private static List<String> rules(JsonNode role) {
        List<String> out = new ArrayList<>();
        for (JsonNode rule : role.path("rules")) {
            String verbs = String.join(",", texts(rule.path("verbs")));
            for (String group : texts(rule.path("apiGroups"))) {
                for (String resource : texts(rule.path("resources"))) {
                    out.add(group + "/" + resource + ":" + verbs);
                }
            }
        }
        return out;
    }

    private static List<String> texts(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false)
                .map(JsonNode::asText)
                .toList();
    }

    @Test
    void servesIngestOverHttpsWithACertificateForTheServiceNames() throws Exception {
        List<JsonNode> objects = render("{}\n");
        JsonNode service = one(objects, "Service", "ebpf-profiler-ingest");
        assertThat(service.at("/spec/ports/0/port").asInt()).isEqualTo(8443);
        assertThat(service.at("/spec/ports/0/targetPort").asText()).isEqualTo("ingest");
        JsonNode pod = one(objects, "Deployment", "ebpf-profiler-operator").at("/spec/template/spec");
        assertThat(pod.at("/containers/0/ports").toString()).contains("\"containerPort\":8443");
        assertThat(pod.at("/volumes").toString()).contains("\"secretName\":\"ebpf-profiler-ingest-tls\"");
        assertThat(pod.at("/containers/0/env").toString())
                .contains("OPERATOR_NAMESPACE", "\"fieldPath\":\"metadata.namespace\"");
        assertThat(one(objects, "ClusterRole", "ebpf-profiler-operator")
                        .path("rules")
                        .toString())
                .contains(
                        "{\"apiGroups\":[\"authentication.k8s.io\"],\"resources\":[\"tokenreviews\"],\"verbs\":[\"create\"]}");

        // The generated certificate is signed by the generated CA and names the Service.
        JsonNode secret = one(objects, "Secret", "ebpf-profiler-ingest-tls");
        var x509 = java.security.cert.CertificateFactory.getInstance("X.509");
        var cert = (java.security.cert.X509Certificate) x509.generateCertificate(new java.io.ByteArrayInputStream(
                java.util.Base64.getDecoder().decode(secret.at("/data/tls.crt").asText())));
        var ca = (java.security.cert.X509Certificate) x509.generateCertificate(new java.io.ByteArrayInputStream(
                java.util.Base64.getDecoder().decode(secret.at("/data/ca.crt").asText())));
        cert.verify(ca.getPublicKey());
        assertThat(cert.getSubjectAlternativeNames())
                .extracting(n -> n.get(1).toString())
                .contains("ebpf-profiler-ingest.profiling-system.svc", "ebpf-profiler-ingest.profiling-system");
        assertThat(secret.at("/data/tls.key").asText()).isNotEmpty();

        // With cert-manager: a Certificate fills the same Secret, and the chart makes none.
        List<JsonNode> managed =
                render("ingest: {tls: {certManager: {enabled: true, issuerRef: {name: ca-issuer}}}}\n");
        JsonNode certificate = one(managed, "Certificate", "ebpf-profiler-ingest");
        assertThat(certificate.at("/spec/secretName").asText()).isEqualTo("ebpf-profiler-ingest-tls");
        assertThat(certificate.at("/spec/issuerRef/name").asText()).isEqualTo("ca-issuer");
        assertThat(managed).noneMatch(o -> "Secret".equals(o.path("kind").asText()));
    }

    @Test
    void shipsTheAgentsDashboardForGrafanasSidecar() throws IOException {
        JsonNode dashboard = one(render("{}\n"), "ConfigMap", "ebpf-profiler-dashboard");
        assertThat(dashboard.at("/metadata/labels/grafana_dashboard").asText()).isEqualTo("1");
        JsonNode shipped =
                YAML.readTree(dashboard.at("/data/ebpf-profiler-agents.json").asText());
        JsonNode file = YAML.readTree(
                Files.readString(RepositoryFiles.chart().resolve("dashboards/ebpf-profiler-agents.json")));
        assertThat(shipped).isEqualTo(file);
        assertThat(render("grafana: {dashboard: {enabled: false}}\n"))
                .noneMatch(o -> o.at("/metadata/name").asText().endsWith("-dashboard"));
    }

    /** Renders the chart with these values (YAML) over the defaults. */
    private static List<JsonNode> render(String values) throws IOException {
        Path valuesFile = Files.createTempFile("values", ".yaml");
        String manifests;
        try {
            Files.writeString(valuesFile, values);
            manifests = new Helm(RepositoryFiles.chart())
                    .template()
                    .withName("ebpf-profiler")
                    .withNamespace("profiling-system")
                    .withKubeVersion("1.30.0")
                    .withValuesFile(valuesFile)
                    .call();
        } finally {
            Files.delete(valuesFile);
        }
        List<JsonNode> objects = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(manifests)) {
            var documents = YAML.readValues(parser, JsonNode.class);
            while (documents.hasNext()) {
                JsonNode doc = documents.next();
                if (doc != null && !doc.isEmpty()) {
                    objects.add(doc);
                }
            }
        }
        return objects;
    }

    private static JsonNode one(List<JsonNode> objects, String kind, String name) {
        return objects.stream()
                .filter(o -> kind.equals(o.path("kind").asText())
                        && name.equals(o.at("/metadata/name").asText()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in the rendered chart"));
    }
}
