package dev.ebpf.profiling.api.profile;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * One application's time off the CPU in a slice, summed over its tasks.
 *
 * @param rank           1 for the most blocked
 * @param name           the application (same naming as the on-CPU top list)
 * @param pids           the process ids seen blocking
 * @param blockedSeconds time its tasks spent blocked, summed over tasks (may exceed the slice)
 */
@JsonPropertyOrder({"rank", "name", "pids", "blockedSeconds"})
public record OffCpuApplication(int rank, String name, List<Integer> pids, double blockedSeconds) {}
