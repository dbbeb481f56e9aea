package dev.ebpf.profiling.agent.cli;

import java.io.Serial;

/** Bad input from the user: printed as one line on stderr, exit code 2. */
public final class UsageException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
