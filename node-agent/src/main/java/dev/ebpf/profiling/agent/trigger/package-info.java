/**
 * Trigger mode's building blocks (issue 5): metrics read once a second (node CPU %, node sys %,
 * one CPU's % from /proc/stat; the selected pods' CPU % from their cgroups), the hysteresis
 * (armed, above for {@code for}, fire, profile for {@code duration}, cool down), and the ring of
 * low-rate slices from before a firing.
 *
 * <p>Wiring: pick a {@link dev.ebpf.profiling.agent.trigger.MetricSource} for the spec's metric
 * ({@link dev.ebpf.profiling.agent.trigger.ProcStatMetric} or
 * {@link dev.ebpf.profiling.agent.trigger.CgroupCpuMetric}), make a
 * {@link dev.ebpf.profiling.agent.trigger.TriggerStateMachine} from
 * {@link dev.ebpf.profiling.agent.trigger.TriggerSettings}, have the low-rate sampler add its
 * slices to a {@link dev.ebpf.profiling.agent.trigger.SliceRing}, and start a
 * {@link dev.ebpf.profiling.agent.trigger.TriggerWatcher} with a
 * {@link dev.ebpf.profiling.agent.trigger.TriggerListener} that starts and stops the profile
 * window and records the firing (Event, condition, {@code status.triggers}).
 * {@link dev.ebpf.profiling.agent.trigger.TriggerStatus} shows an armed trigger's current value.
 * All percentages are of the whole node (0-100), as {@code cpuPercent} is.
 */
package dev.ebpf.profiling.agent.trigger;
