package dev.ebpf.profiling.api.profile;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Where a stack's time goes: the hotspot verdict, decided by its leaf frame. */
public enum Location {
    /** The leaf frame is in the application's own executable or JIT code. */
    APPLICATION,
    /** The leaf frame is in a shared object: libc, ld.so, libjvm, libstdc++... */
    LIBRARY,
    /** The leaf frame is a kernel frame; a subsystem tag says which part of the kernel. */
    KERNEL,
    /** The stack could not be read or named (a failed stack walk, an exited process). */
    UNKNOWN;

    @JsonValue
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
