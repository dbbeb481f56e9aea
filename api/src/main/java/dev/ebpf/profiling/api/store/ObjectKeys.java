package dev.ebpf.profiling.api.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Where objects go in a bucket. Node objects start with a two-hex-digit hash of the node name,
 * {@code {prefix}/nodes/{hh}/{namespace}/{job}/{slice}/{node}.pprof}: S3 scales request rates per
 * key prefix, and at a slice boundary thousands of nodes put at once, so the nodes are spread over
 * 256 prefixes that stay the same from slice to slice (S3 splits a hot prefix only after it has
 * been hot for a while; a new {@code {slice}/} prefix every slice would never be split). The
 * operator's merged slice, one per job and slice, needs no spreading:
 * {@code {prefix}/merged/{namespace}/{job}/{slice}.json}.
 *
 * <p>The prefix is the store's (admin) joined with the job's (tenant). The namespace is always in
 * the key, so one namespace's job cannot name keys of another namespace's, whatever its prefix.
 */
public final class ObjectKeys {

    public static final String PPROF = ".pprof";
    public static final String FOLDED = ".folded.gz";
    public static final String OFF_CPU_FOLDED = ".off-cpu.folded.gz";
    public static final String JSON = ".json";

    private ObjectKeys() {}

    /** The store's prefix and the job's, joined by '/', without empty parts. */
    public static String prefix(ObjectStoreDefinition store, String jobPrefix) {
        String job = jobPrefix == null ? "" : stripSlashes(jobPrefix);
        if (store.prefix().isEmpty()) {
            return job;
        }
        return job.isEmpty() ? store.prefix() : store.prefix() + "/" + job;
    }

    /** A node's objects of one job and slice, without the suffix. */
    public static String node(String prefix, String namespace, String job, String slice, String node) {
        return join(prefix, "nodes/" + spread(node) + "/" + namespace + "/" + job + "/" + slice + "/" + node);
    }

    /** The operator's merged objects of one job and slice, without the suffix. */
    public static String merged(String prefix, String namespace, String job, String slice) {
        return join(prefix, "merged/" + namespace + "/" + job + "/" + slice);
    }

    /** Two hex digits of the node name's SHA-256: 256 prefixes, each node always in the same one. */
    static String spread(String node) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(node.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().toHexDigits(digest[0]);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }

    static String stripSlashes(String value) {
        int from = 0;
        int to = value.length();
        while (from < to && value.charAt(from) == '/') {
            from++;
        }
        while (to > from && value.charAt(to - 1) == '/') {
            to--;
        }
        return value.substring(from, to);
    }

    private static String join(String prefix, String rest) {
        return prefix == null || prefix.isEmpty() ? rest : prefix + "/" + rest;
    }
}
