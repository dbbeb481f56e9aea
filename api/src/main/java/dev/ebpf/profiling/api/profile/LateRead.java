package dev.ebpf.profiling.api.profile;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * Why a reader was late for one of an application's worst waits: how its thread spent the time
 * since its previous read (measured in the kernel from the thread's run time and run delay), and
 * what the process was doing then according to the slice's on-CPU and off-CPU profiles.
 *
 * @param socket          the socket, as {@link WorstSocket#local()}
 * @param waitMs          how long the data waited
 * @param tid             the thread that read it
 * @param verdict         {@code on-cpu} (it ran at least as long as it was blocked; time runnable,
 *                        waiting for a CPU, is not counted), {@code off-cpu} (blocked longer) or {@code unknown} (its
 *                        first read seen: nothing to compare with)
 * @param reason          for {@code off-cpu}, why it blocked longest ({@code sleep}, {@code io}, {@code lock},
 *                        {@code net}, {@code other}); for {@code on-cpu}, where its hottest stack runs
 *                        ({@code application}, {@code library}, {@code kernel}); null when unknown
 * @param onCpuPercent    share of the time since its previous read spent running
 * @param runnablePercent share spent runnable, waiting for a CPU
 * @param blockedPercent  share spent blocked
 * @param onCpu           the process's hottest on-CPU stacks in the slice
 * @param offCpu          the process's longest off-CPU stacks in the slice, with reasons
 */
@JsonPropertyOrder({
    "socket",
    "waitMs",
    "tid",
    "verdict",
    "reason",
    "onCpuPercent",
    "runnablePercent",
    "blockedPercent",
    "onCpu",
    "offCpu"
})
public record LateRead(
        String socket,
        double waitMs,
        int tid,
        String verdict,
        String reason,
        double onCpuPercent,
        double runnablePercent,
        double blockedPercent,
        List<Hotspot> onCpu,
        List<OffCpuHotspot> offCpu) {

    public static final String ON_CPU = "on-cpu";
    public static final String OFF_CPU = "off-cpu";
    public static final String UNKNOWN = "unknown";

    public LateRead {
        onCpu = List.copyOf(onCpu);
        offCpu = List.copyOf(offCpu);
    }

    /** The same late read with its stacks under another application name. */
    public LateRead withApplication(String name) {
        return new LateRead(
                socket,
                waitMs,
                tid,
                verdict,
                reason,
                onCpuPercent,
                runnablePercent,
                blockedPercent,
                onCpu.stream().map(h -> h.withApplication(name)).toList(),
                offCpu.stream().map(h -> h.withApplication(name)).toList());
    }
}
