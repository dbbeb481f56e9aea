package dev.ebpf.profiling.agent.sink;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.regex.Pattern;

/**
 * Which job, slice and node a set of objects belongs to. Its key path is
 * {@code {namespace}/{job}/{sliceStart}/{node}}, with the slice start as an ISO-8601 UTC instant
 * to the second (e.g. {@code 2026-11-26T06:20:00Z}), so keys of one job sort by time.
 *
 * @param namespace  the ProfilingJob's namespace
 * @param job        the ProfilingJob's name
 * @param sliceStart when the slice began
 * @param node       the node name
 */
public record SliceKey(String namespace, String job, Instant sliceStart, String node) {

    /** Kubernetes object names (DNS-1123 subdomain), which also keeps keys free of '/'. */
    private static final Pattern KUBERNETES_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");

    public SliceKey {
        requireName("namespace", namespace);
        requireName("job", job);
        requireName("node", node);
        if (sliceStart == null) {
            throw new IllegalArgumentException("slice start is missing");
        }
    }

    /** {@code {namespace}/{job}/{sliceStart}/{node}}: the part of every object key after the prefix. */
    public String path() {
        return namespace + "/" + job + "/" + sliceStart.truncatedTo(ChronoUnit.SECONDS) + "/" + node;
    }

    private static void requireName(String what, String value) {
        if (value == null || !KUBERNETES_NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    what + " '" + value + "' is not a Kubernetes name (lower-case letters, digits, '-', '.')");
        }
    }
}
