package dev.ebpf.profiling.api.store;

/** An upload the store refused or could not take, classified so the uploader can report it. */
public final class StoreException extends Exception {

    private static final long serialVersionUID = 1L;

    private final StoreFailure state;

    public StoreException(StoreFailure state, String message, Throwable cause) {
        super(message, cause);
        this.state = state;
    }

    public StoreFailure failure() {
        return state;
    }
}
