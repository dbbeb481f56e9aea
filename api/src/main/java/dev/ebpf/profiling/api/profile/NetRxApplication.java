package dev.ebpf.profiling.api.profile;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * One application's network receiving in a slice.
 *
 * @param rank         1 for the application whose data waited longest (by p99, then max)
 * @param name         as in {@link ApplicationUsage#name()}
 * @param pod          the pod, when the processes run in a pod's cgroup; else null
 * @param pids         the reading processes
 * @param packets      packets (skbs queued on its sockets) its reads consumed
 * @param bytes        bytes its reads returned
 * @param queueDelay   how long received data waited before it was read
 * @param worstSockets the sockets where data waited longest
 * @param lateBecause  for the worst waits, why the reader was late
 */
@JsonPropertyOrder({"rank", "name", "pod", "pids", "packets", "bytes", "queueDelay", "worstSockets", "lateBecause"})
public record NetRxApplication(
        int rank,
        String name,
        PodRef pod,
        List<Integer> pids,
        long packets,
        long bytes,
        QueueDelay queueDelay,
        List<WorstSocket> worstSockets,
        List<LateRead> lateBecause) {

    public NetRxApplication {
        pids = List.copyOf(pids);
        worstSockets = List.copyOf(worstSockets);
        lateBecause = List.copyOf(lateBecause);
    }

    public NetRxApplication withRank(int newRank) {
        return new NetRxApplication(newRank, name, pod, pids, packets, bytes, queueDelay, worstSockets, lateBecause);
    }

    public NetRxApplication withPod(PodRef newPod) {
        return new NetRxApplication(rank, name, newPod, pids, packets, bytes, queueDelay, worstSockets, lateBecause);
    }

    /** The same application under another name, its late reads' stacks included. */
    public NetRxApplication withApplication(String newName) {
        return new NetRxApplication(
                rank,
                newName,
                pod,
                pids,
                packets,
                bytes,
                queueDelay,
                worstSockets,
                lateBecause.stream().map(late -> late.withApplication(newName)).toList());
    }
}
