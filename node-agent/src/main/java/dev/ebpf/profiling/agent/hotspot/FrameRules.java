package dev.ebpf.profiling.agent.hotspot;

import dev.ebpf.profiling.api.profile.Frame;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * A priority table of kernel function-name patterns to tags, kept as data: the kernel subsystem
 * of an on-CPU stack ({@code kernel-subsystems.rules}, which describes the format and the priority
 * rule) and the reason an off-CPU stack was blocked ({@code block-reasons.rules}).
 */
public final class FrameRules {

    /** The tag of a kernel stack that no rule matches. */
    public static final String OTHER = "other";

    static final String KERNEL_SUBSYSTEMS = "kernel-subsystems.rules";
    static final String BLOCK_REASONS = "block-reasons.rules";
    private static final String CONTEXT_ENTRY = "context-entry";
    private static final int NO_TAG = Integer.MAX_VALUE;

    /** Tags in priority order, each with one pattern that is the union of its globs. */
    private final List<String> tags;

    private final List<Pattern> tagPatterns;
    private final Pattern contextEntry;
    /** The best (lowest) tag index of each function name seen: names repeat across stacks. */
    private final Map<String, Integer> tagIndexByFunction = new ConcurrentHashMap<>();

    private FrameRules(List<String> tags, List<Pattern> tagPatterns, Pattern contextEntry) {
        this.tags = tags;
        this.tagPatterns = tagPatterns;
        this.contextEntry = contextEntry;
    }

    /** The kernel subsystem rules shipped with the agent. */
    public static FrameRules kernelSubsystems() {
        return load(KERNEL_SUBSYSTEMS);
    }

    /** The off-CPU block reason rules shipped with the agent. */
    public static FrameRules blockReasons() {
        return load(BLOCK_REASONS);
    }

    static FrameRules load(String resource) {
        try (InputStream in = FrameRules.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("resource " + resource + " is missing from the agent");
            }
            return parse(
                    new String(in.readAllBytes(), StandardCharsets.UTF_8)
                            .lines()
                            .toList(),
                    resource);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource + ": " + e.getMessage(), e);
        }
    }

    static FrameRules parse(List<String> lines, String source) {
        Map<String, List<String>> globsByTag = new LinkedHashMap<>();
        List<String> contextEntryGlobs = new ArrayList<>();
        String previousTag = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("\\s+");
            if (fields.length != 2) {
                throw new IllegalArgumentException(
                        source + " line " + (i + 1) + ": expected 'TAG PATTERN', got: " + line);
            }
            String tag = fields[0];
            if (tag.equals(CONTEXT_ENTRY)) {
                contextEntryGlobs.add(fields[1]);
                continue;
            }
            if (!tag.equals(previousTag) && globsByTag.containsKey(tag)) {
                throw new IllegalArgumentException(source + " line " + (i + 1) + ": tag '" + tag
                        + "' appears again after other tags; keep each tag's rules together, in priority order");
            }
            if (tag.equals(OTHER)) {
                throw new IllegalArgumentException(
                        source + " line " + (i + 1) + ": '" + OTHER + "' is what matches nothing; it takes no rules");
            }
            globsByTag.computeIfAbsent(tag, t -> new ArrayList<>()).add(fields[1]);
            previousTag = tag;
        }
        List<Pattern> patterns =
                globsByTag.values().stream().map(FrameRules::union).toList();
        return new FrameRules(List.copyOf(globsByTag.keySet()), patterns, union(contextEntryGlobs));
    }

    /** One pattern matching any of the globs ("*" matches any run of characters). */
    static Pattern union(List<String> globs) {
        if (globs.isEmpty()) {
            return Pattern.compile("(?!)");
        }
        List<String> regexes = globs.stream().map(FrameRules::globToRegex).toList();
        return Pattern.compile(String.join("|", regexes));
    }

    private static String globToRegex(String glob) {
        StringBuilder regex = new StringBuilder();
        for (String literal : glob.split("\\*", -1)) {
            if (!regex.isEmpty()) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(literal));
        }
        return "(?:" + regex + ")";
    }

    /** Every tag this table can give, in priority order, then {@link #OTHER}. */
    public List<String> tags() {
        List<String> all = new ArrayList<>(tags);
        all.add(OTHER);
        return all;
    }

    /**
     * The tag of a stack's kernel part. Only the running context counts: the frames from the leaf
     * up to and including the first context-entry frame (interrupt or softirq entry).
     *
     * @param frames the stack, leaf first; its kernel frames come first
     */
    public String classify(List<Frame> frames) {
        int best = NO_TAG;
        for (Frame frame : frames) {
            if (!frame.isKernel()) {
                break;
            }
            String name = baseName(frame.function());
            best = Math.min(best, tagIndexOf(name));
            if (contextEntry.matcher(name).matches()) {
                break;
            }
        }
        return best == NO_TAG ? OTHER : tags.get(best);
    }

    private int tagIndexOf(String function) {
        return tagIndexByFunction.computeIfAbsent(function, name -> {
            for (int i = 0; i < tagPatterns.size(); i++) {
                if (tagPatterns.get(i).matcher(name).matches()) {
                    return i;
                }
            }
            return NO_TAG;
        });
    }

    /** The name without compiler suffixes: {@code finish_task_switch.isra.0} is finish_task_switch. */
    private static String baseName(String function) {
        int dot = function.indexOf('.');
        return dot > 0 ? function.substring(0, dot) : function;
    }
}
