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
 * The kernel subsystem of a kernel stack, by a table of function-name patterns kept as data in
 * {@code kernel-subsystems.rules} (see that file for the format and the priority rule).
 */
public final class SubsystemRules {

    /** The tag of a kernel stack that no rule matches. */
    public static final String OTHER = "other";
    static final String DEFAULT_RESOURCE = "kernel-subsystems.rules";
    private static final String CONTEXT_ENTRY = "context-entry";
    private static final int NO_TAG = Integer.MAX_VALUE;

    /** Tags in priority order, each with one pattern that is the union of its globs. */
    private final List<String> tags;
    private final List<Pattern> tagPatterns;
    private final Pattern contextEntry;
    /** The best (lowest) tag index of each function name seen: names repeat across stacks. */
    private final Map<String, Integer> tagIndexByFunction = new ConcurrentHashMap<>();

    private SubsystemRules(List<String> tags, List<Pattern> tagPatterns, Pattern contextEntry) {
        this.tags = tags;
        this.tagPatterns = tagPatterns;
        this.contextEntry = contextEntry;
    }

    /** The rules shipped with the agent. */
    public static SubsystemRules load() {
        try (InputStream in = SubsystemRules.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + DEFAULT_RESOURCE + " is missing from the agent");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList(), DEFAULT_RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + DEFAULT_RESOURCE + ": " + e.getMessage(), e);
        }
    }

    static SubsystemRules parse(List<String> lines, String source) {
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
                throw new IllegalArgumentException(source + " line " + (i + 1) + ": expected 'TAG PATTERN', got: " + line);
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
                throw new IllegalArgumentException(source + " line " + (i + 1) + ": '" + OTHER
                        + "' is what matches nothing; it takes no rules");
            }
            globsByTag.computeIfAbsent(tag, t -> new ArrayList<>()).add(fields[1]);
            previousTag = tag;
        }
        List<Pattern> patterns = globsByTag.values().stream().map(SubsystemRules::union).toList();
        return new SubsystemRules(List.copyOf(globsByTag.keySet()), patterns, union(contextEntryGlobs));
    }

    private static Pattern union(List<String> globs) {
        if (globs.isEmpty()) {
            return Pattern.compile("(?!)");
        }
        List<String> regexes = globs.stream().map(SubsystemRules::globToRegex).toList();
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
     * The subsystem of a stack's kernel part. Only the running context counts: the frames from
     * the leaf up to and including the first context-entry frame (interrupt or softirq entry).
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
