package dev.ebpf.profiling.agent.output.folded;

import dev.ebpf.profiling.agent.symbolize.Frames;
import dev.ebpf.profiling.agent.symbolize.SymbolizedStack;
import dev.ebpf.profiling.api.profile.Frame;
import java.io.IOException;
import java.io.Writer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The folded-stacks format that flamegraph.pl and speedscope read: one line per distinct stack,
 * {@code application;outermost;...;leaf count}. The application is the root frame, so one flame
 * graph shows every application side by side.
 *
 * <p>A frame name may not hold the separator ';' (JVM signatures do: {@code Ljava/lang/String;})
 * nor whitespace (C++ templates, JIT names): the count is the text after the last space. Both
 * become safe look-alikes: ';' turns into ':' and each run of whitespace into '_'. Kernel frames
 * end in {@code _[k]}, the mark flamegraph.pl colors as kernel code.
 */
public final class FoldedStacks {

    private static final char SEPARATOR = ';';
    private static final String KERNEL_MARK = "_[k]";
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    private FoldedStacks() {}

    /** The folded lines ({@code app;root;...;leaf}) and their counts, identical stacks merged, in line order. */
    public static Map<String, Long> counts(List<SymbolizedStack> stacks) {
        Map<String, Long> counts = new TreeMap<>();
        for (SymbolizedStack stack : stacks) {
            counts.merge(path(stack.application(), stack.frames()), stack.count(), Long::sum);
        }
        return counts;
    }

    /** Writes the stacks, identical ones merged, in line order so equal input gives equal output. */
    public static void write(List<SymbolizedStack> stacks, Writer out) throws IOException {
        Map<String, Long> counts = counts(stacks);
        for (Map.Entry<String, Long> entry : counts.entrySet()) {
            out.write(entry.getKey());
            out.write(' ');
            out.write(Long.toString(entry.getValue()));
            out.write('\n');
        }
    }

    /** {@code application;outermost;...;leaf}; a stack without frames shows as {@code [unknown]}. */
    public static String path(String application, List<Frame> leafFirst) {
        StringBuilder line = new StringBuilder(escape(application));
        if (leafFirst.isEmpty()) {
            return line.append(SEPARATOR).append(Frames.UNKNOWN).toString();
        }
        for (int i = leafFirst.size() - 1; i >= 0; i--) {
            Frame frame = leafFirst.get(i);
            line.append(SEPARATOR).append(escape(frame.function()));
            if (frame.isKernel()) {
                line.append(KERNEL_MARK);
            }
        }
        return line.toString();
    }

    static String escape(String name) {
        return WHITESPACE.matcher(name.strip()).replaceAll("_").replace(SEPARATOR, ':');
    }
}
