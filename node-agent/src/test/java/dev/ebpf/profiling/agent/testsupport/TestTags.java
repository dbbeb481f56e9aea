package dev.ebpf.profiling.agent.testsupport;

import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Tag;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The JUnit tags that split the suite: {@value #BPF} for tests that load eBPF programs (root, kernel
 * BTF), {@value #SLOW} for end-to-end tests that take many seconds. {@code ./scripts/test.sh --fast}
 * excludes both (the root pom's {@code fast} profile); a full run includes everything.
 *
 * <p>{@link RequiresRoot#assumeBpf()} calls {@link #requireBpfTagOnCaller()}: a test that loads programs
 * without the tag fails in every run, fast or full, instead of slipping into the fast set.
 */
public final class TestTags {

    /** Tests that load eBPF programs. */
    public static final String BPF = "bpf";
    /** End-to-end tests that take long (real time waits, a whole operator and agent). */
    public static final String SLOW = "slow";

    private TestTags() {}

    /**
     * Fails unless the JUnit test method (or lifecycle method) on the call stack, or its class or an
     * enclosing class, carries {@code @Tag("bpf")}. Frames outside test classes (helpers) are walked
     * past; a call with no JUnit method on the stack (a benchmark's main) is not checked.
     */
    public static void requireBpfTagOnCaller() {
        List<StackWalker.StackFrame> frames = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE)
                .walk(s -> s.toList());
        for (StackWalker.StackFrame frame : frames) {
            Optional<Method> junitMethod = junitMethod(frame);
            if (junitMethod.isEmpty()) {
                continue;
            }
            if (!taggedBpf(junitMethod.get(), frame.getDeclaringClass())) {
                Assertions.fail(frame.getDeclaringClass().getName() + "." + frame.getMethodName()
                        + " loads eBPF programs: tag it (or its class) @Tag(\"" + BPF + "\")");
            }
            return;
        }
    }

    private static Optional<Method> junitMethod(StackWalker.StackFrame frame) {
        return Arrays.stream(frame.getDeclaringClass().getDeclaredMethods())
                .filter(m -> m.getName().equals(frame.getMethodName()))
                .filter(TestTags::isJunitMethod)
                .findFirst();
    }

    private static boolean isJunitMethod(Method method) {
        return Arrays.stream(method.getAnnotations())
                .map(a -> a.annotationType().getName())
                .anyMatch(name ->
                        name.startsWith("org.junit.jupiter.api.") || name.startsWith("org.junit.jupiter.params."));
    }

    /** The tag on the method, its class, a superclass or an enclosing class (JUnit inherits them all). */
    static boolean taggedBpf(Method method, Class<?> testClass) {
        if (hasTestTags(method)) {
            return true;
        }
        for (Class<?> c = testClass; c != null; c = c.getEnclosingClass()) {
            for (Class<?> k = c; k != null; k = k.getSuperclass()) {
                if (hasTestTags(k)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean hasTestTags(AnnotatedElement element) {
        return AnnotationSupport.findRepeatableAnnotations(element, Tag.class).stream()
                .anyMatch(tag -> tag.value().equals(BPF));
    }
}
