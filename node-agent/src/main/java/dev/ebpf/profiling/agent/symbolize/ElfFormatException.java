package dev.ebpf.profiling.agent.symbolize;

import java.io.Serial;

/** A file the ELF reader cannot read symbols from: not ELF, 32-bit, big-endian or truncated. */
public final class ElfFormatException extends Exception {

    @Serial
    private static final long serialVersionUID = 1L;

    public ElfFormatException(String message) {
        super(message);
    }
}
