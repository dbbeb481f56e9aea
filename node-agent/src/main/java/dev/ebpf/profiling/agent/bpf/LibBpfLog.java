package dev.ebpf.profiling.agent.bpf;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Receives libbpf's messages (warnings and info; debug is dropped) and keeps the last few, so that
 * a failed load can say why (the verifier's complaint) instead of only an errno.
 */
final class LibBpfLog {

    private static final int KEPT_LINES = 64;
    private static final int LIBBPF_DEBUG = 2;
    private static final int LINE_BYTES = 1024;
    private static final Deque<String> LINES = new ArrayDeque<>();
    private static boolean installed;

    private static final MethodHandle VSNPRINTF = Linker.nativeLinker()
            .downcallHandle(
                    Linker.nativeLinker().defaultLookup().findOrThrow("vsnprintf"),
                    // va_list is an array type on x86-64, so it travels as a pointer.
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));

    private LibBpfLog() {}

    static synchronized void install() {
        if (installed) {
            return;
        }
        try {
            MethodHandle target = MethodHandles.lookup()
                    .findStatic(
                            LibBpfLog.class,
                            "print",
                            MethodType.methodType(int.class, int.class, MemorySegment.class, MemorySegment.class));
            MemorySegment stub = Linker.nativeLinker()
                    .upcallStub(target, FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), Arena.global());
            MemorySegment unusedPrevious = (MemorySegment) LibBpf.SET_PRINT.invokeExact(stub);
            installed = true;
        } catch (Throwable t) {
            throw LibBpf.rethrow(t);
        }
    }

    /** libbpf_print_fn_t: must never throw back into native code. Called from native code only. */
    @SuppressWarnings("UnusedMethod")
    private static int print(int level, MemorySegment format, MemorySegment args) {
        if (level >= LIBBPF_DEBUG) {
            return 0;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(LINE_BYTES);
            int ignored = (int) VSNPRINTF.invokeExact(buffer, (long) LINE_BYTES, format, args);
            remember(buffer.getString(0).strip());
        } catch (Throwable t) {
            remember("(libbpf message could not be formatted: " + t + ")");
        }
        return 0;
    }

    private static synchronized void remember(String line) {
        if (line.isEmpty()) {
            return;
        }
        if (LINES.size() == KEPT_LINES) {
            LINES.removeFirst();
        }
        LINES.addLast(line);
    }

    /** The messages since the last call, oldest first. */
    static synchronized List<String> drain() {
        List<String> lines = List.copyOf(LINES);
        LINES.clear();
        return lines;
    }
}
