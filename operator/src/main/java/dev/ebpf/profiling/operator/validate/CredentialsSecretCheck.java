package dev.ebpf.profiling.operator.validate;

import dev.ebpf.profiling.api.job.ObjectStoreSpec;
import dev.ebpf.profiling.api.job.ProfilingJob;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks that the Secret {@code spec.output.objectStore.credentialsSecret} names exists in the
 * job's namespace with both keys, before any agent mounts it (a pod with a missing Secret would
 * hang in ContainerCreating with the reason only in its own events). Cluster state, so not
 * {@link SpecValidator}'s: that one reads the spec alone.
 *
 * <p>The operator does not watch Secrets (that would need list/watch on every Secret in the
 * cluster); a job refused for its Secret is looked at again after {@link #RECHECK}.
 */
public final class CredentialsSecretCheck {

    static final String SECRET_MISSING = "CredentialsSecretMissing";
    static final String KEY_MISSING = "CredentialsSecretKeyMissing";
    static final Duration RECHECK = Duration.ofSeconds(30);
    private static final Set<String> REASONS = Set.of(SECRET_MISSING, KEY_MISSING);

    private final KubernetesClient client;

    public CredentialsSecretCheck(KubernetesClient client) {
        this.client = client;
    }

    public Optional<Refusal> check(ProfilingJob job) {
        ObjectStoreSpec store = job.getSpec().output == null ? null : job.getSpec().output.objectStore;
        if (store == null || store.credentialsSecret == null || store.credentialsSecret.name == null) {
            return Optional.empty(); // no object store, or SpecValidator has refused the spec
        }
        String namespace = job.getMetadata().getNamespace();
        ObjectStoreSpec.CredentialsSecret ref = store.credentialsSecret;
        Secret secret =
                client.secrets().inNamespace(namespace).withName(ref.name).get();
        if (secret == null) {
            return Optional.of(new Refusal(
                    SECRET_MISSING,
                    "spec.output.objectStore.credentialsSecret: Secret " + namespace + "/" + ref.name
                            + " does not exist"));
        }
        for (String key : new String[] {ref.effectiveAccessKeyIdKey(), ref.effectiveSecretAccessKeyKey()}) {
            if (!has(secret.getData(), key) && !has(secret.getStringData(), key)) {
                return Optional.of(new Refusal(
                        KEY_MISSING,
                        "spec.output.objectStore.credentialsSecret: Secret " + namespace + "/" + ref.name
                                + " has no key '" + key + "'"));
            }
        }
        return Optional.empty();
    }

    /** When to look again at a refused job: soon for a Secret (nothing tells the operator it appeared), else never. */
    public static Duration recheckAfter(Refusal refusal) {
        return REASONS.contains(refusal.reason()) ? RECHECK : null;
    }

    private static boolean has(Map<String, String> data, String key) {
        return data != null && data.get(key) != null && !data.get(key).isEmpty();
    }
}
