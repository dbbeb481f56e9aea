package dev.ebpf.profiling.agent.bpf;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * Downcalls into libbpf (libbpf.so.1, libbpf 1.x semantics: integer calls return -errno, pointer
 * calls return NULL and set errno). Only {@link BpfObject} and {@link BpfMap} use this class; they
 * own every handle it returns.
 */
final class LibBpf {

    static final String LIBRARY = "libbpf.so.1";

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIB = openLibrary();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");

    // Object lifecycle (pointer results report errors through errno).
    static final MethodHandle OBJECT_OPEN_MEM =
            errnoCall("bpf_object__open_mem", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    static final MethodHandle OBJECT_LOAD = call("bpf_object__load", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle OBJECT_CLOSE = call("bpf_object__close", FunctionDescriptor.ofVoid(ADDRESS));
    static final MethodHandle FIND_MAP =
            call("bpf_object__find_map_by_name", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle FIND_PROGRAM =
            call("bpf_object__find_program_by_name", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));

    // Map metadata.
    static final MethodHandle MAP_FD = call("bpf_map__fd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle MAP_TYPE = call("bpf_map__type", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle MAP_KEY_SIZE = call("bpf_map__key_size", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle MAP_VALUE_SIZE = call("bpf_map__value_size", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle MAP_MAX_ENTRIES = call("bpf_map__max_entries", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle MAP_SET_MAX_ENTRIES =
            call("bpf_map__set_max_entries", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle MAP_INITIAL_VALUE =
            call("bpf_map__initial_value", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));

    // Attaching programs.
    static final MethodHandle ATTACH_PERF_EVENT =
            errnoCall("bpf_program__attach_perf_event", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
    static final MethodHandle ATTACH = errnoCall("bpf_program__attach", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final MethodHandle LINK_DESTROY = call("bpf_link__destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    // Running a program by hand (BPF_PROG_TEST_RUN), e.g. a raw_tp program on a chosen CPU.
    static final MethodHandle PROGRAM_FD = call("bpf_program__fd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    /** BPF_ENABLE_STATS: run time and count of every program while the returned fd is open. */
    static final MethodHandle ENABLE_STATS = call("bpf_enable_stats", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    static final MethodHandle PROG_TEST_RUN =
            call("bpf_prog_test_run_opts", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));

    // Map element operations on a map fd.
    static final MethodHandle MAP_UPDATE =
            call("bpf_map_update_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    static final MethodHandle MAP_LOOKUP =
            call("bpf_map_lookup_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle MAP_DELETE =
            call("bpf_map_delete_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    static final MethodHandle MAP_LOOKUP_AND_DELETE =
            call("bpf_map_lookup_and_delete_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle MAP_NEXT_KEY =
            call("bpf_map_get_next_key", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle MAP_LOOKUP_AND_DELETE_BATCH = call(
            "bpf_map_lookup_and_delete_batch",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle MAP_LOOKUP_BATCH = call(
            "bpf_map_lookup_batch",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));

    static final MethodHandle NUM_POSSIBLE_CPUS = call("libbpf_num_possible_cpus", FunctionDescriptor.of(JAVA_INT));
    static final MethodHandle SET_PRINT = call("libbpf_set_print", FunctionDescriptor.of(ADDRESS, ADDRESS));

    private LibBpf() {}

    private static SymbolLookup openLibrary() {
        try {
            return SymbolLookup.libraryLookup(LIBRARY, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new BpfException(LIBRARY + " was not found: install libbpf (Debian: apt-get install libbpf1)");
        }
    }

    private static MethodHandle call(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LIB.findOrThrow(name), descriptor);
    }

    /** A call whose first argument is a segment that receives errno. */
    private static MethodHandle errnoCall(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LIB.findOrThrow(name), descriptor, ERRNO);
    }

    static int numPossibleCpus() {
        try {
            int cpus = (int) NUM_POSSIBLE_CPUS.invokeExact();
            if (cpus <= 0) {
                throw new BpfException("libbpf could not count the possible CPUs: " + Errno.describe(-cpus), -cpus);
            }
            return cpus;
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Turns a libbpf integer result into an exception when it is negative. */
    static int check(int result, String what) {
        if (result < 0) {
            throw new BpfException(what + ": " + Errno.describe(-result), -result);
        }
        return result;
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
