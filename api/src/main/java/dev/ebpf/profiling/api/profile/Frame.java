package dev.ebpf.profiling.api.profile;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * One frame of a symbolized stack.
 *
 * @param function the function's name; when it cannot be named, {@code [module+0xoffset]},
 *                 {@code [unknown]} or {@code [exited]}, so a frame always prints
 * @param module   the file the code lives in ({@code vmlinux}, a kernel module, an executable or
 *                 shared object's file name, {@code [jit]}), or null when unknown
 * @param origin   what kind of code this is: it decides the hotspot verdict
 */
@JsonPropertyOrder({"function", "module", "origin"})
public record Frame(String function, String module, Origin origin) {

    /** The kind of code a frame runs. */
    public enum Origin {
        /** The kernel or a kernel module. */
        KERNEL,
        /** The process's own executable (what /proc/PID/exe points to). */
        EXECUTABLE,
        /** Code generated at run time: a perf map entry or anonymous executable memory. */
        JIT,
        /** A shared object: libc, ld.so, libjvm, libstdc++ and the like. */
        LIBRARY,
        /** No mapping covers the address, or the process exited before its maps were read. */
        UNKNOWN;

        @JsonValue
        public String jsonName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Derived from the origin, so not a field of the document. */
    @JsonIgnore
    public boolean isKernel() {
        return origin == Origin.KERNEL;
    }
}
