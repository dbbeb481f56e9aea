package dev.ebpf.profiling.agent.symbolize;

/** A file the ELF reader cannot read symbols from: not ELF, 32-bit, big-endian or truncated. */
public final class ElfFormatException extends Exception {

    public ElfFormatException(String message) {
        super(message);
    }
}
