package dev.ebpf.profiling.agent.metrics;

import java.io.Serial;

/** The metrics endpoint cannot start; the message is one line that names the port and the cause. */
public final class MetricsEndpointException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    MetricsEndpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
