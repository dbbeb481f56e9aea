/**
 * The node agent's Prometheus metrics (issue 5, "Metrics"): {@link dev.ebpf.profiling.agent.metrics.AgentMetrics}
 * records samples, lost samples, slice drain and symbolization time, triggers fired, uploads
 * pending and the newest slice's per-application CPU%; {@link dev.ebpf.profiling.agent.metrics.MetricsEndpoint}
 * serves them at {@code /metrics} for Prometheus. The Grafana dashboard
 * {@code charts/ebpf-profiler/dashboards/ebpf-profiler-agents.json} reads these series.
 */
package dev.ebpf.profiling.agent.metrics;
