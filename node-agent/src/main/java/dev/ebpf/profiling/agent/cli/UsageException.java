package dev.ebpf.profiling.agent.cli;

/** Bad input from the user: printed as one line on stderr, exit code 2. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
