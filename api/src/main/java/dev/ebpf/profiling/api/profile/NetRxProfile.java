package dev.ebpf.profiling.api.profile;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * The network receive part of a slice's profile ({@code --net-rx}, profiler {@code net-rx}): per
 * application how long received data waited before it was read and why, and per CPU the network
 * softirq time and whom it interrupted.
 *
 * @param applications the applications whose data waited longest, longest first
 * @param softirq      the CPUs' network softirq time, busiest first
 * @param lost         what the kernel could not count
 */
@JsonPropertyOrder({"applications", "softirq", "lost"})
public record NetRxProfile(List<NetRxApplication> applications, List<SoftirqCpu> softirq, Lost lost) {

    public NetRxProfile {
        applications = List.copyOf(applications);
        softirq = List.copyOf(softirq);
    }

    /**
     * What the kernel could not count in the slice.
     *
     * @param unstampedReads reads of data whose ready time was not seen (it arrived before the
     *                       profiler started, or its socket's record was evicted): bytes counted, no delay
     * @param appMapFull     reads lost: the application map was full
     * @param socketMapFull  waits not kept per socket: the worst-wait map was full
     * @param softirqMapFull softirq runs lost: the softirq map was full
     */
    @JsonPropertyOrder({"unstampedReads", "appMapFull", "socketMapFull", "softirqMapFull"})
    public record Lost(long unstampedReads, long appMapFull, long socketMapFull, long softirqMapFull) {

        public static final Lost NONE = new Lost(0, 0, 0, 0);

        public Lost plus(Lost other) {
            return new Lost(
                    unstampedReads + other.unstampedReads,
                    appMapFull + other.appMapFull,
                    socketMapFull + other.socketMapFull,
                    softirqMapFull + other.softirqMapFull);
        }
    }
}
