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
                """);

        // The CRD is in the chart's crds/ (installed by helm install, not rendered; CrdDriftTest keeps it current).
        assertThat(objects)
                .extracting(o -> o.path("kind").asText())
                .contains("Deployment", "ServiceAccount", "ClusterRole", "ClusterRoleBinding");
        JsonNode container =
                one(objects, "Deployment", "ebpf-profiler-operator").at("/spec/template/spec/containers/0");
        Map<String, String> env = new java.util.HashMap<>();
        container
                .path("env")
                .forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
        assertThat(env)
                .containsEntry("OPERATOR_NODE_WIDE_NAMESPACES", "ops,monitoring")
                .containsEntry("OPERATOR_AGENT_IMAGE", "ghcr.io/ebpf-profiler/node-agent:1.2.3")
                .containsEntry("OPERATOR_AGENT_CLUSTER_ROLE", "ebpf-profiler-agent")
                .containsEntry("OPERATOR_AGENT_SERVICE_ACCOUNT", "ebpf-profiler-agent")
                .containsKeys(
                        "OPERATOR_AGENT_CPU_REQUEST",
                        "OPERATOR_AGENT_CPU_LIMIT",
                        "OPERATOR_AGENT_MEMORY_REQUEST",
                        "OPERATOR_AGENT_MEMORY_LIMIT",
                        "OPERATOR_SLICE_GRACE");
        assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean())
                .isTrue();

        // The agent role the operator binds per namespace exists, and grants no more than pods and ConfigMaps.
        JsonNode agentRole = one(objects, "ClusterRole", "ebpf-profiler-agent");
        assertThat(StreamSupport.stream(agentRole.path("rules").spliterator(), false)
                        .flatMap(r -> StreamSupport.stream(r.path("resources").spliterator(), false))
                        .map(JsonNode::asText))
                .containsExactlyInAnyOrder("pods", "configmaps");
        // Agents of the allowed namespaces (only those) may read pods cluster-wide.
        JsonNode nodeWide = one(objects, "ClusterRoleBinding", "ebpf-profiler-agent-node-wide");
        assertThat(StreamSupport.stream(nodeWide.path("subjects").spliterator(), false)
                        .map(s -> s.path("namespace").asText()))
                .containsExactly("ops", "monitoring");
        // The operator may do what it does: status, agent pods, configs and results, events, agent RBAC,
        // and get (only get) the object-store credentials Secret it checks.
        JsonNode operatorRole = one(objects, "ClusterRole", "ebpf-profiler-operator");
        assertThat(operatorRole.path("rules").toString())
                .contains(
                        "profilingjobs/status",
                        "\"create\"",
                        "\"delete\"",
                        "\"nodes\"",
                        "\"events\"",
                        "\"serviceaccounts\"",
                        "\"rolebindings\"",
                        "\"bind\"",
                        "{\"apiGroups\":[\"\"],\"resources\":[\"secrets\"],\"verbs\":[\"get\"]}");
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
                .contains("OPERATOR_INGEST_NAMESPACE", "\"fieldPath\":\"metadata.namespace\"");
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

    @Test
    void noNodeWideNamespacesMeansNoClusterWidePodAccessForAgents() throws IOException {
        List<JsonNode> objects = render("nodeWideNamespaces: []\n");
        assertThat(objects).noneMatch(o -> o.at("/metadata/name").asText().endsWith("-node-wide"));
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
