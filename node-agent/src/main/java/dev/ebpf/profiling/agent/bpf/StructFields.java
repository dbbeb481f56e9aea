package dev.ebpf.profiling.agent.bpf;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * Where the agent reads and writes the fields of a struct of bpf/profiler.h. The layouts themselves
 * are generated from the compiled objects' BTF ({@code dev.ebpf.profiling.bpf.BpfStructs}); what the
 * agent adds is how it reads each field, checked here against the generated field: a field that is
 * renamed, removed or changes width in the header fails the mirror's class initialization (and the
 * drift test) instead of reading the wrong bytes.
 */
public final class StructFields {

    private StructFields() {}

    /** The byte offset of field {@code name} of {@code struct}, which the agent accesses as {@code accessedAs}. */
    public static long offset(StructLayout struct, String name, MemoryLayout accessedAs) {
        MemoryLayout.PathElement path = MemoryLayout.PathElement.groupElement(name);
        MemoryLayout field;
        try {
            field = struct.select(path);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(
                    "struct " + struct.name().orElse("?") + " has no field " + name
                            + " in the BPF objects: the agent and bpf/profiler.h are out of step",
                    e);
        }
        if (!field.withoutName().equals(accessedAs.withoutName())) {
            throw new IllegalStateException("field " + name + " is " + field.withoutName()
                    + " in the BPF objects, the agent accesses it as " + accessedAs.withoutName()
                    + ": the agent and bpf/profiler.h are out of step");
        }
        return struct.byteOffset(path);
    }
}
