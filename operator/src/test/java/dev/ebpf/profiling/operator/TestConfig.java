package dev.ebpf.profiling.operator;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The operator's defaults (as in OperatorConfig) for tests that build a reconciler themselves. */
record TestConfig(Optional<List<String>> nodeWideNamespaces, Duration sliceGrace, AgentSettings agent)
        implements OperatorConfig {

    static TestConfig defaults() {
        return new TestConfig(Optional.of(List.of("ops")), Duration.ofSeconds(60), new Agent());
    }

    record Agent() implements OperatorConfig.AgentSettings {
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
        public String clusterRole() {
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
    }
}
