package dev.ebpf.profiling.operator.web;

/** A page that cannot be served, with the HTTP status and the one line the user reads. */
final class PageError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    static final int UNAUTHENTICATED = 401;
    static final int NOT_FOUND = 404;
    static final int TOO_LARGE = 413;
    static final int UNREADABLE = 500;
    static final int UNAVAILABLE = 503;

    private final int status;

    PageError(int status, String message) {
        super(message);
        this.status = status;
    }

    int status() {
        return status;
    }
}
