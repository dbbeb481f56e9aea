package dev.ebpf.profiling.agent.bpf;

import java.io.Serial;

/** A BPF or perf operation the kernel or libbpf refused; the message is one line for the user. */
public class BpfException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final int errno;

    public BpfException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    public BpfException(String message) {
        this(message, 0);
    }

    /** The errno the kernel gave, or 0 when there was none. */
    public int errno() {
        return errno;
    }
}
