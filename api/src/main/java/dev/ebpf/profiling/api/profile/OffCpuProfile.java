package dev.ebpf.profiling.api.profile;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * The off-CPU part of a slice's profile ({@code --off-cpu}).
 *
 * @param topApplications the most blocked applications, most blocked first
 * @param hotspots        each of those applications' longest blocked stacks, in the same order
 */
@JsonPropertyOrder({"topApplications", "hotspots"})
public record OffCpuProfile(List<OffCpuApplication> topApplications, List<OffCpuHotspot> hotspots) {}
