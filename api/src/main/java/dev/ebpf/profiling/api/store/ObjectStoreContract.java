package dev.ebpf.profiling.api.store;

/**
 * How the admin's object stores reach the operator and the agents (issue 10): the chart renders the
 * store definitions (no secrets) as JSON into the operator's environment; the operator passes the
 * same JSON to the agent DaemonSet, and both mount each store's credentials Secret (in the
 * operator's namespace) under {@link #CREDENTIALS_ROOT}{@code /<store name>/}. A tenant's job only
 * names a store; nothing a tenant writes says where data goes or with which keys.
 */
public final class ObjectStoreContract {

    /** Agent environment: the store definitions, a JSON array of {@link ObjectStoreDefinition}. */
    public static final String ENV_OBJECT_STORES = "OBJECT_STORES";
    /** Agent environment: the longest random delay after a slice's end before its upload starts. */
    public static final String ENV_UPLOAD_JITTER = "UPLOAD_JITTER";

    /** Where each store's Secret is mounted, one directory per store name. */
    public static final String CREDENTIALS_ROOT = "/etc/ebpf-profiler/object-stores";

    public static final String ACCESS_KEY_ID_FILE = "accessKeyId";
    public static final String SECRET_ACCESS_KEY_FILE = "secretAccessKey";

    /** The object store's state (a condition reason) when the last upload worked. */
    public static final String UPLOADED = "Uploaded";

    private ObjectStoreContract() {}
}
