package dev.ebpf.profiling.operator.ingest;

/**
 * Why a report is not taken: the HTTP status, a short metric reason (camelCase, a bounded set) and
 * a one-line message for the agent's log.
 */
public final class IngestRefusal extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String reason;

    public IngestRefusal(int status, String reason, String message) {
        super(message, null, false, false);
        this.status = status;
        this.reason = reason;
    }

    public int status() {
        return status;
    }

    public String reason() {
        return reason;
    }

    static IngestRefusal unauthorized(String reason, String message) {
        return new IngestRefusal(401, reason, message);
    }

    static IngestRefusal forbidden(String reason, String message) {
        return new IngestRefusal(403, reason, message);
    }

    static IngestRefusal badRequest(String reason, String message) {
        return new IngestRefusal(400, reason, message);
    }
}
