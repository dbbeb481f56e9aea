package dev.ebpf.profiling.api.profile;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
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
 * @param systemName the name as the binary has it, where it differs from {@code function}: a
 *                 mangled C++ or Rust name, or {@code [module+0xoffset]} of code without a symbol
 *                 (whose {@code function} is {@code [module]}, so that it groups per module); null
 *                 otherwise. pprof keeps it as the function's system name; hotspots group without it.
 */
@JsonPropertyOrder({"function", "module", "origin", "systemName"})
public record Frame(
        String function,
        String module,
        Origin origin,
        @JsonInclude(JsonInclude.Include.NON_NULL) String systemName) {

    /** A frame whose name is the binary's own. */
    public Frame(String function, String module, Origin origin) {
        this(function, module, origin, null);
    }

    /** The frame as hotspots, tables and verdicts group it: without the system name. */
    public Frame grouped() {
        return systemName == null ? this : new Frame(function, module, origin);
    }

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
