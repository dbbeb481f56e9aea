package dev.ebpf.profiling.operator;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The operator's defaults (as in OperatorConfig) for tests that build a reconciler themselves. */
record TestConfig(
        Optional<String> namespace,
        Optional<List<String>> nodeWideNamespaces,
        Duration sliceGrace,
        AgentSettings agent,
        String objectStores,
        String objectStoreCredentials)
        implements OperatorConfig {

    /** The operator's namespace in these tests: the agent DaemonSet and its pods live there. */
    static final String OPERATOR_NAMESPACE = "profiling-system";

    static TestConfig defaults() {
        return new TestConfig(
                Optional.of(OPERATOR_NAMESPACE),
                Optional.of(List.of("ops")),
                Duration.ofSeconds(60),
                new Agent(false),
                "[]",
                "/nonexistent");
    }

    TestConfig withSliceGrace(Duration grace) {
        return new TestConfig(namespace, nodeWideNamespaces, grace, agent, objectStores, objectStoreCredentials);
    }

    TestConfig withSysResource() {
        return new TestConfig(
                namespace, nodeWideNamespaces, sliceGrace, new Agent(true), objectStores, objectStoreCredentials);
    }

    /** With the admin's stores (a JSON array) whose credentials are under {@code credentials}. */
    TestConfig withObjectStores(String json, String credentials) {
        return new TestConfig(namespace, nodeWideNamespaces, sliceGrace, agent, json, credentials);
    }

    @Override
    public Duration uploadJitter() {
        return Duration.ofSeconds(30);
    }

    @Override
    public String resultBudget() {
        return "256Mi";
    }

    record Agent(boolean sysResource) implements OperatorConfig.AgentSettings {
        @Override
        public String name() {
            return "ebpf-profiler-agent";
        }

        @Override
        public String image() {
            return "node-agent:test";
        }

        @Override
        public String imagePullPolicy() {
            return "IfNotPresent";
        }

        @Override
        public String serviceAccount() {
            return "ebpf-profiler-agent";
        }

        @Override
        public String cpuRequest() {
            return "100m";
        }

        @Override
        public String cpuLimit() {
            return "500m";
        }

        @Override
        public String memoryRequest() {
            return "256Mi";
        }

        @Override
        public String memoryLimit() {
            return "512Mi";
        }

        @Override
        public Optional<String> priorityClassName() {
            return Optional.of("system-node-critical");
        }

        @Override
        public String tolerationsJson() {
            return "[{\"operator\":\"Exists\"}]";
        }

        @Override
        public int maxFrequencyHz() {
            return 999;
        }

        @Override
        public String ingestService() {
            return "ebpf-profiler-ingest";
        }

        @Override
        public int ingestPort() {
            return 8443;
        }

        @Override
        public String ingestTlsSecret() {
            return "ebpf-profiler-ingest-tls";
        }
    }
}
