package dev.ebpf.profiling.api.profile;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * One CPU's network softirq work in a slice: "CPU 3 spent 40% in NET_RX while nginx ran there".
 *
 * @param node           the node (set in merged results, where CPUs of several nodes meet)
 * @param cpu            the CPU
 * @param netRxPercent   time in the NET_RX softirq / the slice x 100
 * @param netRxMs        time in the NET_RX softirq
 * @param netRxRuns      NET_RX softirq runs
 * @param netTxPercent   time in the NET_TX softirq / the slice x 100
 * @param netTxMs        time in the NET_TX softirq
 * @param netTxRuns      NET_TX softirq runs
 * @param napiPolls      NAPI polls (loopback and RPS backlogs included)
 * @param packetsPerPoll packets the polls handed to the stack, per poll
 * @param interrupted    whom the NET_RX softirq ran on top of, most first
 */
@JsonPropertyOrder({
    "node",
    "cpu",
    "netRxPercent",
    "netRxMs",
    "netRxRuns",
    "netTxPercent",
    "netTxMs",
    "netTxRuns",
    "napiPolls",
    "packetsPerPoll",
    "interrupted"
})
public record SoftirqCpu(
        String node,
        int cpu,
        double netRxPercent,
        double netRxMs,
        long netRxRuns,
        double netTxPercent,
        double netTxMs,
        long netTxRuns,
        long napiPolls,
        double packetsPerPoll,
        List<Interrupted> interrupted) {

    public SoftirqCpu {
        interrupted = List.copyOf(interrupted);
    }

    /**
     * An application (or {@code idle}, {@code ksoftirqd}, {@code other} for tasks outside the job's
     * filter) that a CPU's NET_RX softirq interrupted.
     *
     * @param name       the application
     * @param netRxMs    NET_RX time spent on top of it
     * @param netRxPercent that time / the slice x 100
     */
    @JsonPropertyOrder({"name", "netRxMs", "netRxPercent"})
    public record Interrupted(String name, double netRxMs, double netRxPercent) {}
}
