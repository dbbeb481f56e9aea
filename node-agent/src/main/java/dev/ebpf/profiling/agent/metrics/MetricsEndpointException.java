package dev.ebpf.profiling.agent.metrics;

/** The metrics endpoint cannot start; the message is one line that names the port and the cause. */
public final class MetricsEndpointException extends RuntimeException {

    MetricsEndpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
