package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import dev.ebpf.profiling.api.job.ObjectStoreSpec;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.profile.ProfileJson;
import dev.ebpf.profiling.api.store.ObjectStoreDefinitions;
import dev.ebpf.profiling.operator.validate.SpecValidator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CRD in crds/ as the API server would apply it: its OpenAPI schema (validated as JSON Schema)
 * and its CEL rules (x-kubernetes-validations, evaluated with cel-java), on the samples and on one
 * bad field at a time.
 */
class CrdSchemaTest {

    static final ObjectMapper YAML = new YAMLMapper();
    static JsonNode openApiSchema;
    static JsonSchema schema;

    @BeforeAll
    static void loadCrd() throws IOException {
        JsonNode crd = YAML.readTree(RepositoryFiles.crd().toFile());
        openApiSchema = crd.at("/spec/versions/0/schema/openAPIV3Schema");
        schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(openApiSchema);
    }

    static Stream<Path> samples() throws IOException {
        try (Stream<Path> files = Files.list(RepositoryFiles.samples())) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @Test
    void thereIsASamplePerMode() throws IOException {
        List<String> modes = new ArrayList<>();
        for (Path sample : samples().toList()) {
            modes.add(YAML.readTree(sample.toFile()).at("/spec/mode").asText());
        }
        assertThat(modes).contains("general", "filter", "trigger");
        assertThat(samples())
                .extracting(p -> p.getFileName().toString())
                .contains(
                        "general-nginx.yaml",
                        "filter-pods.yaml",
                        "filter-cpus.yaml",
                        "one-shot-diagnostic.yaml",
                        "trigger-sys.yaml",
                        "trigger-pod-cpu.yaml");
    }

    @ParameterizedTest
    @MethodSource("samples")
    void sampleIsValidForTheCrdAndTheOperator(Path sample) throws IOException {
        JsonNode document = YAML.readTree(sample.toFile());
        assertThat(errors(document)).as(sample.getFileName().toString()).isEmpty();

        ProfilingJob job = ProfileJson.mapper().convertValue(document, ProfilingJob.class);
        assertThat(new SpecValidator(List.of("profiling-system"), SAMPLE_STORES)
                        .validate(job.getSpec(), job.getMetadata().getNamespace()))
                .as(sample.getFileName().toString())
                .isEmpty();
    }

    static Stream<Arguments> badFields() {
        return Stream.of(
                bad("mode", "sometimes", "enum"),
                bad("frequencyHz", 0, "minimum"),
                bad("frequencyHz", 1001, "maximum"),
                bad("cpus", "1-", "pattern"),
                bad("duration", "5 minutes", "pattern"),
                bad("interval", "soon", "pattern"),
                bad("profilers", List.of("gpu"), "enum"),
                bad("unwinding", "lbr", "enum"),
                bad("profilers", List.of(), "minItems"),
                bad("runs", 0, "minimum"),
                bad("top", 0, "minimum"),
                bad("top", 101, "maximum"),
                bad("output", Map.of("retention", 0), "minimum"),
                bad("trigger", Map.of("metric", "node-sys", "threshold", 101), "maximum"),
                bad("trigger", Map.of("threshold", 50), "required"),
                bad("trigger", Map.of("metric", "disk", "threshold", 50), "enum"),
                bad("selector", "app=web", "type"),
                bad("output", Map.of("objectStore", Map.of("prefix", "team-a")), "required"),
                bad("output", Map.of("objectStore", Map.of("name", "Archive_1")), "pattern"),
                bad("output", Map.of("objectStore", Map.of("name", "archive", "prefix", "/abs")), "pattern"));
    }

    /** The stores the samples name, as an admin would define them. */
    static final ObjectStoreDefinitions SAMPLE_STORES = ObjectStoreDefinitions.parse(
            "[{\"name\":\"archive\",\"endpoint\":\"http://minio.storage:9000\",\"bucket\":\"profiles\","
                    + "\"credentialsSecret\":\"profiles-s3\"}]");

    /** A tenant's job cannot say where its data goes or with which keys: the CRD's rule refuses it. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "{name: archive, endpoint: 'http://169.254.169.254'}",
                "{name: archive, bucket: other}",
                "{name: archive, region: eu-west-1}",
                "{name: archive, credentialsSecret: {name: stolen}}"
            })
    void celRuleRefusesTheAdminsStoreFields(String objectStore) throws Exception {
        JsonNode store = YAML.readTree(objectStore);
        JsonNode storeSchema = openApiSchema.at("/properties/spec/properties/output/properties/objectStore");
        assertThat(storeSchema.isMissingNode()).isFalse();
        assertThat(failedRules(storeSchema, store)).containsExactly(ObjectStoreSpec.ADMIN_FIELDS_MESSAGE);
        assertThat(failedRules(storeSchema, YAML.readTree("{name: archive, prefix: team-a}")))
                .isEmpty();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("badFields")
    void schemaRefusesBadField(String field, Object value, String keyword) {
        ObjectNode document = generalJob();
        ((ObjectNode) document.get("spec")).set(field, ProfileJson.mapper().valueToTree(value));
        assertThat(errors(document))
                .anySatisfy(error -> assertThat(error.getType()).isEqualTo(keyword));
    }

    @Test
    void schemaRequiresMode() {
        ObjectNode document = generalJob();
        ((ObjectNode) document.get("spec")).remove("mode");
        assertThat(errors(document))
                .anySatisfy(error -> assertThat(error.getType()).isEqualTo("required"));
    }

    static Stream<Arguments> crossFieldRules() {
        return Stream.of(
                Arguments.of("{mode: trigger}", "mode trigger needs spec.trigger"),
                Arguments.of(
                        "{mode: general, trigger: {metric: node-cpu, threshold: 50}}",
                        "spec.trigger is only used in mode trigger"),
                Arguments.of("{mode: filter}", "mode filter needs a selector, cpus, or both"),
                Arguments.of("{mode: filter, cpus: '1', interval: 5m}", "spec.interval is only used in mode general"),
                Arguments.of(
                        "{mode: general, duration: 30s, interval: 10s}",
                        "spec.interval must not be shorter than spec.duration"),
                Arguments.of(
                        "{mode: trigger, trigger: {metric: pod-cpu, threshold: 50}}",
                        "trigger.metric pod-cpu needs a selector"),
                Arguments.of(
                        "{mode: trigger, trigger: {metric: cpu, threshold: 50}}",
                        "trigger.metric cpu needs trigger.cpu, the CPU to watch"),
                Arguments.of(
                        "{mode: trigger, trigger: {metric: node-cpu, cpu: 1, threshold: 50}}",
                        "trigger.cpu is only used with trigger.metric cpu"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("crossFieldRules")
    void celRuleRefusesCrossFieldMistake(String spec, String message) throws Exception {
        assertThat(failedRules(YAML.readTree(spec))).containsExactly(message);
    }

    @ParameterizedTest
    @MethodSource("samples")
    void samplesPassEveryCelRule(Path sample) throws Exception {
        assertThat(failedRules(YAML.readTree(sample.toFile()).get("spec"))).isEmpty();
    }

    private static Set<ValidationMessage> errors(JsonNode document) {
        return schema.validate(document);
    }

    private static ObjectNode generalJob() {
        ObjectNode document = ProfileJson.mapper().createObjectNode();
        document.put("apiVersion", "profiling.ebpf.dev/v1alpha1").put("kind", "ProfilingJob");
        document.putObject("metadata").put("name", "x").put("namespace", "web");
        document.putObject("spec")
                .put("mode", "general")
                .putObject("selector")
                .putObject("matchLabels")
                .put("app", "web");
        return document;
    }

    private static Arguments bad(String field, Object value, String keyword) {
        return Arguments.of(field, value, keyword);
    }

    /** The messages of the CEL rules that fail on a spec, from the spec's rules and the trigger's. */
    private static List<String> failedRules(JsonNode spec) throws Exception {
        List<String> failed = new ArrayList<>();
        JsonNode specSchema = openApiSchema.at("/properties/spec");
        failed.addAll(failedRules(specSchema, spec));
        if (spec.has("trigger")) {
            failed.addAll(failedRules(specSchema.at("/properties/trigger"), spec.get("trigger")));
        }
        return failed;
    }

    private static List<String> failedRules(JsonNode schemaNode, JsonNode self) throws Exception {
        CelCompiler compiler = CelCompilerFactory.standardCelCompilerBuilder()
                .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                .addVar("self", SimpleType.DYN)
                .build();
        CelRuntime runtime = CelRuntimeFactory.standardCelRuntimeBuilder().build();
        Object value = ProfileJson.mapper().convertValue(self, Object.class);
        List<String> failed = new ArrayList<>();
        for (JsonNode rule : schemaNode.path("x-kubernetes-validations")) {
            var ast = compiler.compile(rule.get("rule").asText()).getAst();
            Object result = runtime.createProgram(ast).eval(Map.of("self", celValue(value)));
            if (!Boolean.TRUE.equals(result)) {
                failed.add(rule.get("message").asText());
            }
        }
        return failed;
    }

    /** CEL integers are 64-bit: JSON numbers become longs and doubles. */
    private static Object celValue(Object json) {
        return switch (json) {
            case Map<?, ?> map -> {
                Map<String, Object> out = new java.util.LinkedHashMap<>();
                map.forEach((k, v) -> out.put((String) k, celValue(v)));
                yield out;
            }
            case List<?> list -> list.stream().map(CrdSchemaTest::celValue).toList();
            case Integer i -> i.longValue();
            default -> json;
        };
    }
}
