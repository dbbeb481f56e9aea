package dev.ebpf.profiling.agent.sink;

import java.io.Serial;

/** An upload the store refused or could not take, classified so the sink can report it. */
public final class StoreException extends Exception {

    @Serial
    private static final long serialVersionUID = 1L;

    private final SinkState state;

    public StoreException(SinkState state, String message, Throwable cause) {
        super(message, cause);
        this.state = state;
    }

    public SinkState state() {
        return state;
    }
}
