package dev.ebpf.profiling.agent.symbolize;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.ebpf.profiling.api.profile.Frame;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Turns Itanium-ABI mangled names (C++, and Rust's legacy scheme) into what perf shows, with the
 * C++ runtime's own {@code __cxa_demangle} (libstdc++, present wherever C++ programs run), so that
 * every construct is demangled the way the compiler meant it. Results are cached: the same hot
 * names come back every slice. Where libstdc++ is missing, names stay as the binary has them.
 */
public final class Demangler {

    /** Distinct names kept; a node's hot code rarely has more. */
    private static final int CACHED_NAMES = 65_536;
    /** Rust's legacy mangling ends each path with a hash, which perf leaves out. */
    private static final Pattern RUST_HASH = Pattern.compile("::h[0-9a-f]{16}$");

    private static final Optional<Native> NATIVE = Native.load();
    private static final Map<String, String> CACHE = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > CACHED_NAMES;
        }
    };

    private Demangler() {}

    /** Whether names can be demangled on this machine (libstdc++ found). */
    public static boolean available() {
        return NATIVE.isPresent();
    }

    /** The frame of a symbol: demangled, with the mangled name kept as its system name. */
    static Frame frame(String name, String module, Frame.Origin origin) {
        String demangled = demangle(name);
        return demangled.equals(name) ? new Frame(name, module, origin) : new Frame(demangled, module, origin, name);
    }

    /** The demangled name, or the name itself when it is not mangled or does not demangle. */
    public static String demangle(String name) {
        if (!name.startsWith("_Z") || NATIVE.isEmpty()) {
            return name;
        }
        synchronized (CACHE) {
            String cached = CACHE.get(name);
            if (cached != null) {
                return cached;
            }
        }
        String demangled =
                NATIVE.get().demangle(name).map(Demangler::withoutRustHash).orElse(name);
        synchronized (CACHE) {
            CACHE.put(name, demangled);
        }
        return demangled;
    }

    private static String withoutRustHash(String demangled) {
        return RUST_HASH.matcher(demangled).replaceFirst("");
    }

    /** {@code char *__cxa_demangle(const char *mangled, char *buffer, size_t *length, int *status)}, and free. */
    private record Native(MethodHandle cxaDemangle, MethodHandle free) {

        static Optional<Native> load() {
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libstdcxx = SymbolLookup.libraryLookup("libstdc++.so.6", Arena.global());
                MethodHandle demangle = linker.downcallHandle(
                        libstdcxx.findOrThrow("__cxa_demangle"),
                        FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
                MethodHandle free = linker.downcallHandle(
                        linker.defaultLookup().findOrThrow("free"), FunctionDescriptor.ofVoid(ADDRESS));
                return Optional.of(new Native(demangle, free));
            } catch (IllegalArgumentException | java.util.NoSuchElementException e) {
                return Optional.empty();
            }
        }

        Optional<String> demangle(String mangled) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment status = arena.allocate(JAVA_INT);
                MemorySegment result = (MemorySegment) cxaDemangle.invokeExact(
                        arena.allocateFrom(mangled), MemorySegment.NULL, MemorySegment.NULL, status);
                if (result.equals(MemorySegment.NULL)) {
                    return Optional.empty();
                }
                try {
                    return status.get(JAVA_INT, 0) == 0
                            ? Optional.of(result.reinterpret(Long.MAX_VALUE).getString(0))
                            : Optional.empty();
                } finally {
                    free.invokeExact(result);
                }
            } catch (Throwable t) {
                return Optional.empty();
            }
        }
    }
}
