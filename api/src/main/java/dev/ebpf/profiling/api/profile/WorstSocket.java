package dev.ebpf.profiling.api.profile;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One of an application's sockets where received data waited longest in a slice.
 *
 * @param protocol   {@code tcp} or {@code udp}
 * @param local      the local address and port, e.g. {@code 10.0.0.5:8080} or {@code [::1]:8080}
 * @param remote     the peer's address and port; null for an unconnected UDP socket
 * @param reads      reads of the socket with a known delay
 * @param bytes      bytes they returned
 * @param maxWaitMs  the longest wait of one read
 * @param meanWaitMs the mean wait
 */
@JsonPropertyOrder({"protocol", "local", "remote", "reads", "bytes", "maxWaitMs", "meanWaitMs"})
public record WorstSocket(
        String protocol, String local, String remote, long reads, long bytes, double maxWaitMs, double meanWaitMs) {}
